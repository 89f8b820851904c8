"""BlackJAX NUTS on the voxels that `hcp_throughput --dump DIR` sampled with dmipy-rs; prints both
side by side and their ratios. Usage: python benches/nuts_vs_blackjax.py DIR [PEER_VOXELS]
(`benches/nuts_vs_blackjax.sh` runs both).

The log density is ours, written again in JAX on the same unconstrained vector: λ_iso and λ∥ by
logit of their position in their bounds (log-Jacobian ln(b−a) + ln σ(u) + ln(1−σ(u))), the ball
fraction f = σ(u_f) (uniform on the 2-simplex: Beta(1, 1), whose log-Jacobian cancels nothing
else), the stick axis n = v/|v| from a 3-vector with ln p(v) = −(|v| − 1)²/(2·0.1²), Gaussian
noise with the σ given to both, data divided by the mean b0 (crates/dmipy-bayes/src/transform.rs
documents each term). BlackJAX runs Stan's window adaptation (step size and diagonal mass
matrix, target acceptance 0.8, as nuts-rs) for the same warm-up, then the same draws, four chains
vmapped in one jitted call per voxel, maximum depth 10 (both). Its chains start at the truth
jittered by U(−0.5, 0.5) in u; ours start at the least-squares fit with the Laplace
preconditioner (what `dmipy sample` does). Compilation is timed apart (first voxel); each later
voxel is timed to `block_until_ready`.

Effective samples: the smallest bulk ESS (ArviZ, rank-normalised) over the scalar parameters
(λ_iso, λ∥, ball fraction) of each voxel, both sides. ESS/s is the sum over voxels divided by wall
time; both sides get all cores (ours: rayon over voxels; BlackJAX: XLA's threads).
"""
import json
import sys
import time

import jax

jax.config.update("jax_enable_x64", True)
import arviz as az  # noqa: E402
import blackjax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

RADIAL_SD = 0.1


def main(folder, n_peer):
    run = json.load(open(f"{folder}/run.json"))
    b = np.array(run["bvalues"])
    g = np.array(run["directions"])
    m = len(b)
    data = np.fromfile(f"{folder}/data.f64", "<f8").reshape(-1, m)
    truths = np.fromfile(f"{folder}/truths.f64", "<f8").reshape(len(data), -1)
    names = [n for n, _ in run["names"]]
    assert names == ["G1Ball_1_lambda_iso", "C1Stick_1_mu", "C1Stick_1_lambda_par",
                     "partial_volume_0", "partial_volume_1"], names
    (iso_lo, iso_hi), = run["bounds"]["G1Ball_1_lambda_iso"]
    (par_lo, par_hi), = run["bounds"]["C1Stick_1_lambda_par"]
    sigma, chains, warmup, draws = run["sigma"], run["chains"], run["warmup"], run["draws"]
    b0 = b <= 1e6
    bj, gj = jnp.asarray(b), jnp.asarray(g)

    def constrained(u):
        iso = iso_lo + (iso_hi - iso_lo) * jax.nn.sigmoid(u[0])
        par = par_lo + (par_hi - par_lo) * jax.nn.sigmoid(u[1])
        f = jax.nn.sigmoid(u[5])
        return iso, par, f

    def logdensity(u, y):
        iso, par, f = constrained(u)
        v = u[2:5]
        r = jnp.sqrt(v @ v)
        n = v / r
        signal = f * jnp.exp(-bj * iso) + (1 - f) * jnp.exp(-bj * par * (gj @ n) ** 2)
        loglik = -0.5 * jnp.sum((y - signal) ** 2) / sigma**2
        logjac = sum(-jax.nn.softplus(-u[k]) - jax.nn.softplus(u[k]) for k in (0, 1, 5))
        return loglik + logjac - 0.5 * (r - 1) ** 2 / RADIAL_SD**2

    def one_chain(key, u0, y):
        density = lambda u: logdensity(u, y)  # noqa: E731
        k_warm, k_draw = jax.random.split(key)
        adapt = blackjax.window_adaptation(blackjax.nuts, density, target_acceptance_rate=0.8)
        (state, params), warm_info = adapt.run(k_warm, u0, num_steps=warmup)
        kernel = blackjax.nuts(density, **params).step

        def step(s, k):
            s, info = kernel(k, s)
            return s, (s.position, info.num_integration_steps, info.is_divergent)

        _, (pos, steps, divergent) = jax.lax.scan(step, state, jax.random.split(k_draw, draws))
        warm_steps = warm_info[1].num_integration_steps
        return pos, steps.sum() + warm_steps.sum(), divergent.sum()

    run_voxel = jax.jit(jax.vmap(one_chain, in_axes=(0, 0, None)))

    def to_u(row):
        iso, theta, phi, par, f = row[0], row[1], row[2], row[3], row[4]
        logit = lambda p: np.log(p / (1 - p))  # noqa: E731
        n = [np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)]
        return np.array([logit((iso - iso_lo) / (iso_hi - iso_lo)),
                         logit((par - par_lo) / (par_hi - par_lo)), *n, logit(f)])

    rng = np.random.default_rng(0)
    peer = []
    compile_s = None
    for v in range(min(n_peer + 1, len(data))):
        y = data[v] / data[v][b0].mean()
        u0 = to_u(truths[v]) + rng.uniform(-0.5, 0.5, (chains, 6))
        keys = jax.random.split(jax.random.PRNGKey(v), chains)
        t = time.perf_counter()
        pos, grads, div = run_voxel(keys, jnp.asarray(u0), jnp.asarray(y))
        pos.block_until_ready()
        wall = time.perf_counter() - t
        if v == 0:
            compile_s = wall  # compilation plus one voxel: not counted
            continue
        iso, par, f = jax.vmap(jax.vmap(constrained))(pos)
        ess = min(float(az.ess(np.asarray(x), method="bulk")) for x in (iso, par, f))
        rhat = max(float(az.rhat(np.asarray(x))) for x in (iso, par, f))
        peer.append({"voxel": v, "wall": wall, "ess": ess, "rhat": rhat,
                     "gradients": int(grads.sum()), "divergences": int(div.sum())})

    ours = run["voxels"]
    ours_ess = np.array([o["min_scalar_ess_bulk"] for o in ours])
    ours_rate = ours_ess.sum() / run["seconds"]
    ours_pass = np.mean([(o["rhat"] <= 1.01) and (o["ess_bulk"] >= 400) for o in ours])
    ours_grad_us = run["seconds"] * run["threads"] * 1e6 / sum(o["gradients"] for o in ours)
    peer_wall = sum(p["wall"] for p in peer)
    peer_ess = np.array([p["ess"] for p in peer])
    peer_rate = peer_ess.sum() / peer_wall
    peer_pass = np.mean([(p["rhat"] <= 1.01) and (p["ess"] >= 400) for p in peer])
    peer_grad_us = peer_wall * 1e6 / sum(p["gradients"] for p in peer)
    print(f"ball & stick, HCP scheme ({m} measurements), sigma {sigma}, {chains} chains, "
          f"warm-up {warmup}, {draws} draws")
    print(f"{'':12} {'voxels':>6} {'voxels/s':>9} {'min ESS median':>15} {'ESS/s':>8} "
          f"{'pass':>6} {'grads/voxel':>12} {'µs/grad':>8}")
    for label, n, wall, ess, rate, ok, grads, us in [
        ("dmipy-rs", len(ours), run["seconds"], ours_ess, ours_rate, ours_pass,
         np.mean([o["gradients"] for o in ours]), ours_grad_us),
        ("BlackJAX", len(peer), peer_wall, peer_ess, peer_rate, peer_pass,
         np.mean([p["gradients"] for p in peer]), peer_grad_us),
    ]:
        print(f"{label:12} {n:6d} {n / wall:9.2f} {np.median(ess):15.0f} {rate:8.0f} "
              f"{100 * ok:5.0f}% {grads:12.0f} {us:8.1f}")
    print(f"BlackJAX compile + first voxel: {compile_s:.1f} s (not counted)")
    print(f"ratio dmipy-rs / BlackJAX: ESS/s {ours_rate / peer_rate:.1f}x, voxels/s "
          f"{(len(ours) / run['seconds']) / (len(peer) / peer_wall):.1f}x")
    print(f"(grads/voxel: all chains, warm-up included. µs/grad: ours CPU time (wall × "
          f"{run['threads']} threads) per gradient, sampler included; BlackJAX wall time per "
          f"gradient, its {chains} chains vmapped in one call)")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 8)
