"""Open a woonzorg QGIS project in real QGIS, check its layers and styles, render it to a PNG.

Run by tests/test_qgis.py with the system Python that PyQGIS needs (``/usr/bin/python3``) and
``QT_QPA_PLATFORM=offscreen``; not a pytest module. Usage::

    python3 tests/qgis_check.py OUTPUT_DIR PNG

Prints one JSON document on stdout: the project's CRS as QGIS read it; per project layer its name, validity, renderer type, the
number of rules and whether they equal the layer's stored default style; per GeoPackage layer
whether QGIS loads its default style from ``layer_styles`` by itself; and statistics of the
rendered image. Exits 0 when it could do all that (the test judges the result), 1 otherwise.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def _rules(renderer) -> list[str]:
    if renderer is None or renderer.type() != "RuleRenderer":
        return []
    return [r.label() for r in renderer.rootRule().children()]


def main(out_dir: str, png: str) -> int:
    from qgis.core import (
        QgsApplication,
        QgsMapRendererParallelJob,
        QgsMapSettings,
        QgsProject,
        QgsVectorLayer,
    )
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor

    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()
    try:
        out = Path(out_dir)
        project = QgsProject.instance()
        ok = project.read(str(out / "woonzorg.qgz"))
        report: dict = {
            "read": bool(ok),
            "error": project.error(),
            "title": project.title(),
            "crs": project.crs().authid(),
            "crs_valid": project.crs().isValid(),
            "layers": [],
            "gpkg_defaults": {},
        }
        root = project.layerTreeRoot()
        order = [n.layer() for n in root.findLayers()]
        visible = []
        for lyr in order:
            if lyr is None:
                report["layers"].append({"name": None, "valid": False})
                continue
            renderer = lyr.renderer() if hasattr(lyr, "renderer") else None
            node = root.findLayer(lyr.id())
            entry = {
                "name": lyr.name(),
                "valid": lyr.isValid(),
                "source": lyr.source(),
                "features": lyr.featureCount() if lyr.isValid() else -1,
                "renderer": renderer.type() if renderer is not None else None,
                "rules": _rules(renderer),
                "labels": bool(lyr.labelsEnabled()) if hasattr(lyr, "labelsEnabled") else False,
                "visible": bool(node.isVisible()) if node is not None else False,
                "crs": lyr.crs().authid(),
            }
            report["layers"].append(entry)
            if entry["visible"]:
                visible.append(lyr)
        # every table of the GeoPackage opened on its own: QGIS takes the default style from layer_styles
        gpkg = out / "woonzorg.gpkg"
        names = {
            lyr.source().split("layername=")[1].split("|")[0]
            for lyr in order
            if lyr is not None and "layername=" in lyr.source()
        }
        for name in sorted(names):
            single = QgsVectorLayer(f"{gpkg}|layername={name}", name, "ogr")
            msg, loaded = single.loadDefaultStyle()
            r = single.renderer()
            report["gpkg_defaults"][name] = {
                "valid": single.isValid(),
                "loaded": bool(loaded),
                "message": msg,
                "renderer": r.type() if r else None,
                "rules": _rules(r),
            }
        settings = QgsMapSettings()
        settings.setLayers(visible)
        settings.setDestinationCrs(project.crs())
        extent = project.viewSettings().defaultViewExtent()
        if extent.isEmpty():
            extent = settings.fullExtent()
        settings.setExtent(extent)
        settings.setOutputSize(QSize(1200, 900))
        settings.setBackgroundColor(QColor(255, 255, 255))
        job = QgsMapRendererParallelJob(settings)
        job.start()
        job.waitForFinished()
        image = job.renderedImage()
        image.save(png, "PNG")
        colours = set()
        nonwhite = 0
        step = 4
        for x in range(0, image.width(), step):
            for y in range(0, image.height(), step):
                rgb = image.pixel(x, y) & 0xFFFFFF
                colours.add(rgb)
                if rgb != 0xFFFFFF:
                    nonwhite += 1
        total = len(range(0, image.width(), step)) * len(range(0, image.height(), step))
        report["image"] = {
            "width": image.width(),
            "height": image.height(),
            "colours": len(colours),
            "nonwhite_share": nonwhite / total,
            "extent": [extent.xMinimum(), extent.yMinimum(), extent.xMaximum(), extent.yMaximum()],
        }
        print(json.dumps(report), flush=True)
        return 0
    finally:
        QgsProject.instance().clear()
        sys.stdout.flush()
        # QGIS 3.22's teardown (exitQgis at interpreter exit) crashes in some offscreen builds; the work
        # is done and reported, so the process ends here with the code main() chose
        _app_ref.append(app)


_app_ref: list = []


if __name__ == "__main__":
    import os

    code = main(*sys.argv[1:3])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
