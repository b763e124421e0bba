"""The public API of ``import woonzorg_geo as wzg``: every name resolves, is documented and listed once."""

from __future__ import annotations

import woonzorg_geo as wzg


def test_every_public_name_resolves_and_is_documented():
    names = [n for n in wzg.__all__ if n not in ("RD_NEW", "WGS84", "__version__")]
    assert len(names) == len(set(names))
    assert set(names) == set(wzg._API), "__all__ and the lazy table disagree"
    for name in names:
        obj = getattr(wzg, name)
        assert (obj.__doc__ or "").strip(), f"{name} has no docstring"
    assert wzg.RD_NEW == "EPSG:28992" and wzg.WGS84 == "EPSG:4326"
