# Reads a JSON list of .ipynb paths on stdin; prints (ASCII-only) JSON: path -> {"major": the file's
# nbformat, and for version 4: "written": what nbformat.write(nbformat.read(path, as_version=4), fp)
# writes, "unvalidated": the same without the validator (v4 reads/writes: no id repair)}.
import io, json, sys, warnings
import nbformat
from nbformat import v4

warnings.simplefilter("ignore")  # the validator's MissingIDFieldWarning / DuplicateCellId
out = {}
for path in json.load(sys.stdin):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    major = nbformat.reader.get_version(nbformat.reader.parse_json(text))[0]
    entry = {"major": major}
    if major == 4:
        fp = io.StringIO()
        nbformat.write(nbformat.reads(text, as_version=4), fp)
        entry["written"] = fp.getvalue()
        unvalidated = v4.writes(v4.reads(text))
        entry["unvalidated"] = unvalidated if unvalidated.endswith("\n") else unvalidated + "\n"
    out[path] = entry
json.dump(out, sys.stdout, ensure_ascii=True)
