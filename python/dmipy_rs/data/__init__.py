"""Built-in data: acquisition schemes (``saved_acquisition_schemes``)."""
