// Reads the pixels of a PNG (8-bit RGB or RGBA, not interlaced: what Chromium's --screenshot
// writes), so that a test can check what a page looks like, not only that it was drawn.
import {readFileSync} from 'node:fs'
import {inflateSync} from 'node:zlib'

export interface Image {
  width: number
  height: number
  /** RGBA, row by row. */
  rgba: Uint8Array
}

export function readPng(file: string): Image {
  const buf = readFileSync(file)
  if (buf.toString('latin1', 1, 4) !== 'PNG') throw new Error(`${file}: not a PNG`)
  let pos = 8
  let width = 0
  let height = 0
  let channels = 0
  const idat: Buffer[] = []
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos)
    const type = buf.toString('latin1', pos + 4, pos + 8)
    const data = buf.subarray(pos + 8, pos + 8 + len)
    if (type === 'IHDR') {
      width = data.readUInt32BE(0)
      height = data.readUInt32BE(4)
      const [depth, color, , , interlace] = data.subarray(8, 13)
      if (depth !== 8 || interlace !== 0 || (color !== 2 && color !== 6)) throw new Error(`${file}: unsupported PNG (depth ${depth}, color ${color}, interlace ${interlace})`)
      channels = color === 6 ? 4 : 3
    } else if (type === 'IDAT') idat.push(data)
    else if (type === 'IEND') break
    pos += 12 + len
  }
  const raw = inflateSync(Buffer.concat(idat))
  const stride = width * channels
  const out = new Uint8Array(width * height * 4)
  let prev = new Uint8Array(stride)
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]
    const line = new Uint8Array(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)))
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? line[i - channels] : 0
      const b = prev[i]
      const c = i >= channels ? prev[i - channels] : 0
      let add = 0
      if (filter === 1) add = a
      else if (filter === 2) add = b
      else if (filter === 3) add = (a + b) >> 1
      else if (filter === 4) {
        const p = a + b - c
        const pa = Math.abs(p - a)
        const pb = Math.abs(p - b)
        const pc = Math.abs(p - c)
        add = pa <= pb && pa <= pc ? a : pb <= pc ? b : c
      }
      line[i] = (line[i] + add) & 0xff
    }
    for (let x = 0; x < width; x++) {
      for (let k = 0; k < 3; k++) out[(y * width + x) * 4 + k] = line[x * channels + k]
      out[(y * width + x) * 4 + 3] = channels === 4 ? line[x * channels + 3] : 255
    }
    prev = line
  }
  return {width, height, rgba: out}
}

/** Pixels within `tolerance` of an RGB colour. */
export function countColor(img: Image, rgb: [number, number, number], tolerance = 8): number {
  let n = 0
  for (let i = 0; i < img.rgba.length; i += 4) {
    if (Math.abs(img.rgba[i] - rgb[0]) <= tolerance && Math.abs(img.rgba[i + 1] - rgb[1]) <= tolerance && Math.abs(img.rgba[i + 2] - rgb[2]) <= tolerance) n++
  }
  return n
}
