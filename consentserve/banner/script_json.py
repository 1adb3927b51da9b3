"""JSON inside a script: the loader's configuration and the Google Analytics prologue."""

import json

# Inside a <script> a literal "</script>", "<!--" or a line separator could end or alter it.
_SCRIPT_UNSAFE = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def script_json(document) -> str:
    """`document` as JSON that is also safe as the text of an inline or external script."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).translate(_SCRIPT_UNSAFE)
