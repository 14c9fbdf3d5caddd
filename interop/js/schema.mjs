// Edits and readings of the two documents the daemon syncs, by their schemas (NOTEBOOK.md §1-§3,
// SETTINGS.md §1-§3). All of these run inside A.change(), except the snapshots.
//
// In JS Automerge 3 a string assigned in a change becomes Text. The schemas want Text only for a
// cell's source; every other string (ids, cell types, execution counts, outputs, every setting)
// is a scalar Str, written as an A.ImmutableString.
import * as A from "@automerge/automerge"

const str = value => new A.ImmutableString(value)
const isStr = value => value instanceof A.ImmutableString
const isMap = value => typeof value === "object" && value !== null && !Array.isArray(value) && !isStr(value)

// ---- notebook (NOTEBOOK.md) ----

/** §3 add_cell at the end: Str id, Str cell_type, Text source, Str execution_count, List outputs. */
export function appendCell(doc, { id, cellType = "code", source = "" }) {
  doc.cells.push({ id: str(id), cell_type: str(cellType), source, execution_count: str("null"), outputs: [] })
}

function cellIndex(doc, id) {
  const index = doc.cells.findIndex(cell => isMap(cell) && isStr(cell.id) && cell.id.val === id)
  if (index < 0) throw new Error(`Cell not found: ${id}`)
  return index
}

/** JS Automerge counts text in UTF-16 units; these commands count code points, as the Java client does. */
function utf16Offset(text, from, codePoints) {
  let offset = from
  for (let n = 0; n < codePoints && offset < text.length; n++) offset += text.codePointAt(offset) > 0xffff ? 2 : 1
  return offset
}

/** A keystroke anywhere in a cell's source: at `index`, delete `deleteCount`, insert `text` (code points). */
export function spliceSource(doc, id, index, deleteCount, text) {
  const cell = cellIndex(doc, id)
  const source = doc.cells[cell].source
  const start = utf16Offset(source, 0, index)
  const end = utf16Offset(source, start, deleteCount)
  A.splice(doc, ["cells", cell, "source"], start, end - start, text)
}

/** Text typed at the end of a cell's source. */
export function appendToSource(doc, id, text) {
  const cell = cellIndex(doc, id)
  A.splice(doc, ["cells", cell, "source"], doc.cells[cell].source.length, 0, text)
}

/** §3 set_execution_count: a Str such as "5" or "null", never a number. */
export function setExecutionCount(doc, id, count) {
  doc.cells[cellIndex(doc, id)].execution_count = str(count)
}

/** §2: the notebook as every reader sees it, in the shape of the Java client's snapshot JSON. */
export function notebookSnapshot(doc) {
  const cells = Array.isArray(doc.cells) ? doc.cells : []
  const metadata = isMap(doc.metadata) ? doc.metadata : {}
  return {
    notebook_id: isStr(doc.notebook_id) ? doc.notebook_id.val : "",
    cells: cells
      .filter(cell => isMap(cell) && isStr(cell.id))
      .map(cell => ({
        id: cell.id.val,
        cell_type: isStr(cell.cell_type) ? cell.cell_type.val : "",
        source: typeof cell.source === "string" ? cell.source : "", // Text reads as a string
        execution_count: isStr(cell.execution_count) ? cell.execution_count.val : "null",
        outputs: Array.isArray(cell.outputs) ? cell.outputs.filter(isStr).map(output => output.val) : [],
      })),
    metadata: Object.fromEntries(Object.entries(metadata).filter(([, v]) => isStr(v)).map(([k, v]) => [k, v.val])),
  }
}

// ---- settings (SETTINGS.md) ----

/** §3: a dotted key lives in a section Map at the root, reused when the daemon already made it. */
function section(doc, key) {
  const dot = key.indexOf(".")
  if (dot < 0) return [doc, key]
  const name = key.slice(0, dot)
  if (!isMap(doc[name])) doc[name] = {}
  return [doc[name], key.slice(dot + 1)]
}

/** §3 put: a Str. */
export function putSetting(doc, key, value) {
  const [map, name] = section(doc, key)
  map[name] = str(value)
}

/** §3 put_list: a new List of Str replaces whatever was there. */
export function putSettingList(doc, key, values) {
  if (!key.includes(".")) throw new Error("list key must be dotted")
  const [map, name] = section(doc, key)
  map[name] = values.map(str)
}

/** The raw document as JSON (Str and Text both as strings), for comparing replicas. */
export function plain(value) {
  if (isStr(value)) return value.val
  if (Array.isArray(value)) return value.map(plain)
  if (isMap(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]))
  return value
}
