#!/usr/bin/env bash
# Regenerate the README's metric and key tables from the registry and the key
# table (the README can then never drift from the code; a test checks it).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/plugin/revmon}
python3 - "$bin" <<'PY'
import re, subprocess, sys
bin = sys.argv[1]
text = open("README.md").read()
for tag, args in (("metrics", ["metrics", "--markdown"]), ("keys", ["keys", "--markdown"]),
                  ("families", ["metrics", "--families", "--markdown"])):
    table = subprocess.run([bin, *args], check=True, capture_output=True, text=True).stdout
    text = re.sub(rf"<!-- {tag}:begin -->.*?<!-- {tag}:end -->",
                  f"<!-- {tag}:begin -->\n{table}<!-- {tag}:end -->", text, flags=re.S)
open("README.md", "w").write(text)
PY
