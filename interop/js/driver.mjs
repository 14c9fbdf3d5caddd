// Runs one Peer under remote control: commands as JSON lines on stdin, events as JSON lines on
// stdout, so that a test can run many peers at once and restart or kill the daemon under them.
//
// Commands, run one after another; each ends with {"event":"done","seq":N,...} or
// {"event":"failed","seq":N,"message":...}:
//   {"cmd":"connect","seq":1,"socket":PATH,"handshake":{"channel":"notebook_sync","notebook_id":ID}}
//   {"cmd":"add_cells","cells":[{"id":ID,"source":TEXT},...]}      one change (acked by cell ids)
//   {"cmd":"type","cell":ID,"text":TEXT,"id":PREFIX}   one change per character at the end of the
//                                                      source (acked as PREFIX0, PREFIX1, ...)
//   {"cmd":"splice","cell":ID,"index":N,"delete":N,"text":TEXT,"id":ID}        code-point indices
//   {"cmd":"execution_count","cell":ID,"count":"5","id":ID}
//   {"cmd":"set","key":"uv.python","value":V,"id":ID}     {"cmd":"set_list","key":K,"values":[...],"id":ID}
//   {"cmd":"notebook"}, {"cmd":"settings"}   the replica, in "notebook" / "settings" of the reply
//   {"cmd":"status"}                          connected, heads, daemon_heads, unacked
//   {"cmd":"close"}
// Events at any time: acked {ids}, settled {heads}, unsettled, disconnected {reason}.
import readline from "node:readline"
import * as A from "@automerge/automerge"
import { Peer } from "./peer.mjs"
import * as schema from "./schema.mjs"

const report = event => process.stdout.write(JSON.stringify(event) + "\n")

const peer = new Peer({
  acked: ids => report({ event: "acked", ids }),
  settled: heads => report({ event: "settled", heads }),
  unsettled: () => report({ event: "unsettled" }),
  disconnected: reason => report({ event: "disconnected", reason }),
})

// Lets the socket deliver what arrived in the meantime, as an app's event loop would between keystrokes.
const nextTurn = () => new Promise(resolve => setImmediate(resolve))

const commands = {
  connect: ({ socket, handshake }) => peer.connect(socket, handshake),
  add_cells: ({ cells }) =>
    peer.change(cells.map(cell => cell.id), doc => cells.forEach(cell => schema.appendCell(doc, cell))),
  type: async ({ cell, text, id }) => {
    let n = 0
    for (const character of text) {
      peer.change([`${id}${n++}`], doc => schema.appendToSource(doc, cell, character))
      await nextTurn()
    }
  },
  splice: ({ cell, index, delete: deleteCount, text, id }) =>
    peer.change([id], doc => schema.spliceSource(doc, cell, index, deleteCount, text)),
  execution_count: ({ cell, count, id }) => peer.change([id], doc => schema.setExecutionCount(doc, cell, count)),
  set: ({ key, value, id }) => peer.change([id], doc => schema.putSetting(doc, key, value)),
  set_list: ({ key, values, id }) => peer.change([id], doc => schema.putSettingList(doc, key, values)),
  notebook: () => ({ notebook: schema.notebookSnapshot(peer.doc) }),
  settings: () => ({ settings: schema.plain(peer.doc) }),
  status: () => ({
    connected: peer.connected,
    heads: A.getHeads(peer.doc),
    daemon_heads: peer.daemonHeads,
    unacked: peer.unackedIds,
  }),
  close: () => peer.close(),
}

async function run({ cmd, seq, ...args }) {
  try {
    if (!(cmd in commands)) throw new Error(`unknown command: ${cmd}`)
    report({ event: "done", seq, ...(await commands[cmd](args)) })
  } catch (error) {
    report({ event: "failed", seq, message: String(error?.stack ?? error) })
  }
}

let queue = Promise.resolve()
readline
  .createInterface({ input: process.stdin })
  .on("line", line => (queue = queue.then(() => run(JSON.parse(line)))))
  .on("close", () => queue.then(() => process.exit(0))) // the test is done with us
