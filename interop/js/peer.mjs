// One sync peer of runtimed, written the way an app window talks to the daemon: one Unix-socket
// connection, one Automerge sync state for it, and every message sent the moment Automerge
// produces it (no waiting for replies). Spec: PROTOCOL.md §2 (framing), §3 (handshake), §6 (sync).
import net from "node:net"
import * as A from "@automerge/automerge"

/** PROTOCOL.md §2: a frame is a 4-byte big-endian length, then that many payload bytes. */
export function frame(payload) {
  const header = Buffer.alloc(4)
  header.writeUInt32BE(payload.length)
  return Buffer.concat([header, payload])
}

/** Cuts a byte stream into frames; returns the function to feed each chunk the socket delivers. */
function frameReader(onFrame) {
  let buffered = Buffer.alloc(0)
  return chunk => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk])
    while (buffered.length >= 4) {
      const length = buffered.readUInt32BE(0)
      if (buffered.length < 4 + length) return
      onFrame(new Uint8Array(buffered.subarray(4, 4 + length))) // a copy: the socket reuses its buffers
      buffered = buffered.subarray(4 + length)
    }
  }
}

const sameHeads = (a, b) => a.length === b.length && [...a].sort().join() === [...b].sort().join()

/**
 * A replica of one daemon document. `events` receives what a test (or an app) wants to know:
 *   acked(ids)      local changes the daemon has announced it holds (by the ids given to change())
 *   settled(heads)  the daemon announced exactly our heads and we have nothing more to send
 *   unsettled()     that stopped being true (a local change, or the daemon has something new)
 *   disconnected(reason)
 * The document survives reconnects: connect() again after the daemon restarts and the pending
 * changes go out with the new connection's first messages.
 */
export class Peer {
  doc = A.init() // PROTOCOL.md §6.2: start EMPTY; the daemon's first messages bring the schema

  #socket = null
  #syncState = null
  #daemonHeads = null // heads in the daemon's latest message on this connection
  #unacked = new Map() // hash of a local change -> the ids it carries
  #settledOn = null // our heads when we last reported being settled; null while not settled

  constructor(events) {
    this.events = events
  }

  /**
   * Connects (first, or again after a disconnect) and sends the handshake; the daemon speaks
   * first, so nothing else is sent yet. Never edit before the first settle: the daemon's document
   * brings `cells` (or the settings sections), and creating them here would conflict.
   */
  connect(socketPath, handshake) {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection(socketPath)
      socket.once("connect", () => {
        this.#socket = socket
        this.#syncState = A.initSyncState() // fresh for every connection, never reused
        this.#daemonHeads = null
        socket.write(frame(Buffer.from(JSON.stringify(handshake), "utf8")))
        resolve()
      })
      let failure = null
      const read = frameReader(message => this.#receive(message))
      socket.on("data", chunk => {
        try {
          read(chunk)
        } catch (error) {
          socket.destroy(error) // not a sync message: drop the connection, as the daemon would
        }
      })
      socket.on("error", error => {
        failure = error // "close" follows
        reject(error) // (no effect once connected)
      })
      socket.on("close", () => {
        if (this.#socket !== socket) return
        this.#socket = null
        this.#setSettled(false)
        this.events.disconnected(failure ? failure.message : "the daemon closed the connection")
      })
    })
  }

  get connected() {
    return this.#socket !== null
  }

  /** A local edit: apply it, remember which ids it carries, and send it at once. */
  change(ids, edit) {
    const before = A.getHeads(this.doc)
    this.doc = A.change(this.doc, edit)
    const heads = A.getHeads(this.doc)
    if (sameHeads(before, heads)) return // the edit changed nothing
    this.#unacked.set(heads[0], ids) // a local change depends on all earlier heads: it is the only head
    this.#flush()
    this.#setSettled(false)
  }

  /** The daemon's latest heads on this connection (null before its first message). */
  get daemonHeads() {
    return this.#daemonHeads
  }

  /** Ids of local changes the daemon has not acknowledged yet. */
  get unackedIds() {
    return [...this.#unacked.values()].flat()
  }

  close() {
    this.#socket?.end()
  }

  #receive(message) {
    this.#daemonHeads = A.decodeSyncMessage(message).heads
    ;[this.doc, this.#syncState] = A.receiveSyncMessage(this.doc, this.#syncState, message)
    this.#flush() // answer at once; after that Automerge has nothing more to send until something changes
    this.#reportAcks()
    this.#setSettled(sameHeads(this.#daemonHeads, A.getHeads(this.doc)))
  }

  /** Sends what Automerge has for the daemon, if anything; true when a message went out. */
  #flush() {
    if (this.#socket === null) return false
    let message
    ;[this.#syncState, message] = A.generateSyncMessage(this.doc, this.#syncState)
    if (message === null) return false
    this.#socket.write(frame(message))
    return true
  }

  /**
   * A change is acknowledged once heads the daemon announced contain it: it is one of them or
   * an ancestor of one. Announced heads we do not hold yet cannot be judged; a later message
   * announces them again.
   */
  #reportAcks() {
    if (this.#unacked.size === 0) return
    const known = this.#daemonHeads.filter(head => A.hasHeads(this.doc, [head]))
    const notCovered = new Set(A.getChangesMetaSince(this.doc, known).map(change => change.hash))
    const acked = []
    for (const [hash, ids] of this.#unacked) {
      if (!notCovered.has(hash)) {
        acked.push(...ids)
        this.#unacked.delete(hash)
      }
    }
    if (acked.length > 0) this.events.acked(acked)
  }

  /** Reports each change of state; settled again on other heads (others' changes arrived) is one too. */
  #setSettled(settled) {
    if (!settled) {
      if (this.#settledOn !== null) this.events.unsettled()
      this.#settledOn = null
      return
    }
    const heads = A.getHeads(this.doc)
    if (this.#settledOn !== null && sameHeads(heads, this.#settledOn)) return
    this.#settledOn = heads
    this.events.settled(heads)
  }
}
