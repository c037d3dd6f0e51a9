"""Demo data for ``flask seed-demo``: the cooperatives named in the source material
plus about sixty realistic ones across the 12 regions, with certificates, prices and
locally generated product images (no downloads)."""
