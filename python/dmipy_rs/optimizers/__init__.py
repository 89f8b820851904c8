"""Dmipy's ``dmipy.optimizers``: the AMICO optimizer on a user-built dictionary
(``amico_cvxpy``). The fitting solvers themselves are chosen with ``model.fit(solver=...)``."""
