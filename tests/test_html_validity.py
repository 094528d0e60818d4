"""Every page type is valid HTML according to the Nu HTML checker (vnu.jar on Java)."""
import json
import shutil
import subprocess

import pytest

from portal.config import PROJECT_ROOT

VNU_JAR = PROJECT_ROOT / ".cache" / "vnu" / "vnu.jar"
PATHS = ["/{lang}/", "/{lang}/categories/billing", "/{lang}/articles/charged-twice",
         "/{lang}/articles/use-with-a-keyboard?original=1", "/{lang}/search?q=invoice",
         "/{lang}/search?q=zzqx", "/{lang}/nope", "/{lang}/accessibility"]


@pytest.mark.wcag("1.3.1", "4.1.2")
def test_pages_are_valid_html(shipped_app, tmp_path):
    if not VNU_JAR.exists() or not shutil.which("java"):
        pytest.fail("vnu.jar or java missing: run `make test` (scripts/setup.sh fetches vnu-jar)")
    client = shipped_app.test_client()
    files = []
    for lang in ("en", "ar", "zh-Hans"):
        for index, path in enumerate(PATHS):
            html = client.get(path.format(lang=lang)).get_data(as_text=True)
            target = tmp_path / f"{lang}-{index}.html"
            target.write_text(html, encoding="utf-8")
            files.append(str(target))
    completed = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *files],
        capture_output=True, text=True, timeout=240,
    )
    messages = json.loads(completed.stderr or completed.stdout or '{"messages": []}')["messages"]
    problems = [f"{m.get('url', '').rsplit('/', 1)[-1]}:{m.get('lastLine')}: {m.get('message')}" for m in messages]
    assert problems == [], "\n".join(problems)
