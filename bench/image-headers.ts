// Our image header reader (src/shared/image-info.ts) against the image-size package, on the same
// files: correctness per kind of file, then the time and the bytes read to size a folder of
// 1,000 images the way the dataset scan does (8 files at a time). The files are made once in
// bench/.data/image-headers/ (gitignored): with ImageMagick's convert and exiftool when they are
// installed (camera-like JPEGs with EXIF, a thumbnail and XMP, progressive JPEGs, PNG, lossy,
// lossless and extended WebP), and in code always (JPEGs whose metadata runs past 512 KiB, WebP of
// each kind, PNG, truncated files).
//
//   npm run build:tools && node build/bench/image-headers.js [--count 1000] [--rounds 9]
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { copyFile, mkdir, open, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { createRequire, syncBuiltinESMExports } from 'node:module'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { imageSize } from 'image-size'
import { imageSizeFromFile } from 'image-size/fromFile'
import { HEADER_BYTES, readImageInfo } from '../src/shared/image-info.js'
import { jpegBytes, pngBytes, webpBytes } from '../test-support/images.js'

const ROOT = resolve(import.meta.dirname, '../..')
const DATA = join(ROOT, 'bench/.data/image-headers')
/** Bump when the way the files are made changes, so that they are made again. */
const FORMAT = 4

interface Expected {
  readonly format: 'jpeg' | 'png' | 'webp'
  /** undefined for a file cut before its size */
  readonly width?: number
  readonly height?: number
}

interface Template {
  readonly name: string
  readonly what: string
  readonly expected: Expected
  /** how many of the folder's files are copies of it, per 1,000 */
  readonly share: number
}

interface Outcome {
  readonly format?: string
  readonly width?: number
  readonly height?: number
  readonly error?: string
}

type Reader = (path: string) => Promise<Outcome>

const readers: Record<string, Reader> = {
  ours: async (path) => {
    const info = readImageInfo(path)
    return info ? { format: info.format, width: info.width, height: info.height } : { error: 'not an image' }
  },
  'image-size': async (path) => fromImageSize(await imageSizeFromFile(path)),
  // image-size's parser on the bytes our reader takes first: what a switch that kept our reads would get
  'image-size on our first read': async (path) => {
    const file = await open(path, 'r')
    try {
      const buffer = Buffer.alloc(HEADER_BYTES)
      const { bytesRead } = await file.read(buffer, 0, HEADER_BYTES, 0)
      return fromImageSize(imageSize(buffer.subarray(0, bytesRead)))
    } finally {
      await file.close()
    }
  }
}

function fromImageSize(info: ReturnType<typeof imageSize>): Outcome {
  return { format: info.type === 'jpg' ? 'jpeg' : info.type, width: info.width, height: info.height }
}

const { values } = parseArgs({
  options: { count: { type: 'string', default: '1000' }, rounds: { type: 'string', default: '9' } }
})

function haveTools(): boolean {
  try {
    return (
      execFileSync('convert', ['-version'], { encoding: 'utf8' }).includes('ImageMagick') &&
      /^\d/.test(execFileSync('exiftool', ['-ver'], { encoding: 'utf8' }))
    )
  } catch {
    return false
  }
}

/** A template: what it is, what it should read as, copies per 1,000, and how it is made. */
interface Recipe extends Template {
  /** commands run in the templates folder, words split at spaces (base.jpg is a 4032x3024 photo) */
  readonly tool?: readonly string[]
  readonly code?: () => Buffer
}

const size = (format: Expected['format'], width?: number, height?: number): Expected =>
  width === undefined ? { format } : { format, width, height }
// Padding after the end of a code-made JPEG gives it a photo's size; header readers stop long before.
const photoSized = (bytes: Buffer, bytesWanted: number): Buffer =>
  Buffer.concat([bytes, Buffer.alloc(Math.max(0, bytesWanted - bytes.length))])

/** A recipe in a line: made by commands (`tool`) or by a function (`code`). */
function recipe(
  name: string,
  what: string,
  expected: Expected,
  share: number,
  how: readonly string[] | (() => Buffer)
): Recipe {
  return typeof how === 'function'
    ? { name, what, expected, share, code: how }
    : { name, what, expected, share, tool: how }
}

/** Made with ImageMagick and exiftool. */
const TOOL_MADE: readonly Recipe[] = [
  recipe('camera.jpg', 'camera JPEG 4032x3024, EXIF with a thumbnail', size('jpeg', 4032, 3024), 450, [
    'cp base.jpg camera.jpg',
    `exiftool -q -overwrite_original -Make=Phone -Model=Camera -ThumbnailImage<=thumb.jpg -UserComment=${'x'.repeat(30000)} camera.jpg`
  ]),
  recipe('camera-xmp.jpg', 'camera JPEG 4032x3024, EXIF and XMP', size('jpeg', 4032, 3024), 100, [
    'cp camera.jpg camera-xmp.jpg',
    `exiftool -q -overwrite_original -XMP-dc:Description=${'y'.repeat(60000)} camera-xmp.jpg`
  ]),
  recipe('progressive.jpg', 'progressive JPEG 3000x2000', size('jpeg', 3000, 2000), 100, [
    'convert base.jpg -resize 3000x2000! -interlace Plane -quality 85 progressive.jpg'
  ]),
  recipe('photo.png', 'PNG 1024x768', size('png', 1024, 768), 100, ['convert base.jpg -resize 1024x768! photo.png']),
  recipe('lossy.webp', 'WebP lossy 1200x900', size('webp', 1200, 900), 40, [
    'convert base.jpg -resize 1200x900! -quality 80 lossy.webp'
  ]),
  recipe('lossless.webp', 'WebP lossless 600x400', size('webp', 600, 400), 40, [
    'convert base.jpg -resize 600x400! -define webp:lossless=true lossless.webp'
  ]),
  recipe('extended.webp', 'WebP extended (alpha) 800x600', size('webp', 800, 600), 40, [
    'convert base.jpg -resize 800x600! -alpha set -channel A -evaluate set 50% extended.webp'
  ])
]

/** Made in code in place of the tool-made ones when the tools are missing. */
const CODE_MADE_INSTEAD: readonly Recipe[] = [
  recipe('camera.jpg', 'JPEG 4032x3024, 40 KB APP1', size('jpeg', 4032, 3024), 550, () =>
    photoSized(jpegBytes({ width: 4032, height: 3024, app1Bytes: 40000 }), 3_000_000)
  ),
  recipe('progressive.jpg', 'progressive JPEG 3000x2000', size('jpeg', 3000, 2000), 100, () =>
    photoSized(jpegBytes({ width: 3000, height: 2000, progressive: true }), 1_500_000)
  ),
  recipe('photo.png', 'PNG 1024x768', size('png', 1024, 768), 100, () =>
    pngBytes({ width: 1024, height: 768, incompressible: true })
  ),
  recipe('large.webp', 'WebP VP8 1200x900', size('webp', 1200, 900), 120, () =>
    webpBytes({ width: 1200, height: 900, kind: 'VP8' })
  )
]

/** Made in code always: what the tools do not make. */
const CODE_MADE: readonly Recipe[] = [
  recipe('metadata-600k.jpg', 'JPEG 2000x1500 whose metadata runs to 600 KB', size('jpeg', 2000, 1500), 10, () =>
    photoSized(jpegBytes({ width: 2000, height: 1500, app1Bytes: 600_000 }), 2_000_000)
  ),
  recipe('small.png', 'PNG 512x512 gradient', size('png', 512, 512), 40, () => pngBytes({ width: 512, height: 512 })),
  ...(['VP8', 'VP8L', 'VP8X'] as const).map((kind) =>
    recipe(`${kind}.webp`, `WebP ${kind} 640x480`, size('webp', 640, 480), 20, () =>
      webpBytes({ width: 640, height: 480, kind })
    )
  ),
  recipe('jpeg-cut.jpg', 'JPEG cut at 20 KB, inside its metadata', size('jpeg'), 10, () =>
    jpegBytes({ width: 4032, height: 3024, app1Bytes: 40000 }).subarray(0, 20000)
  ),
  recipe('png-cut.png', 'PNG cut inside its header (20 bytes)', size('png'), 10, () =>
    pngBytes({ width: 64, height: 64 }).subarray(0, 20)
  ),
  recipe('webp-cut.webp', 'WebP cut inside its first chunk (24 bytes)', size('webp'), 10, () =>
    webpBytes({ width: 640, height: 480, kind: 'VP8' }).subarray(0, 24)
  )
]

/** Makes the templates in `dir`; returns them with what each should read as. */
async function makeTemplates(dir: string): Promise<Template[]> {
  const tools = haveTools()
  if (!tools) console.log('ImageMagick convert or exiftool missing: code-made files only')
  const recipes = [...(tools ? TOOL_MADE : CODE_MADE_INSTEAD), ...CODE_MADE]
  const run = (line: string): void => {
    const [command, ...args] = line.split(' ')
    execFileSync(command!, args, { cwd: dir, stdio: 'ignore' })
  }
  if (tools) {
    run('convert -size 4032x3024 plasma:fractal -seed 1 -quality 88 base.jpg')
    run('convert base.jpg -resize 160x120 thumb.jpg')
  }
  for (const made of recipes) {
    for (const line of made.tool ?? []) run(line)
    if (made.code) await writeFile(join(dir, made.name), made.code())
  }
  await rm(join(dir, 'base.jpg'), { force: true })
  await rm(join(dir, 'thumb.jpg'), { force: true })
  return recipes.map(({ name, what, expected, share }) => ({ name, what, expected, share }))
}

/** The templates, and a folder of `count` copies of them in their shares. */
async function prepare(count: number): Promise<{ templates: Template[]; files: string[] }> {
  const templatesDir = join(DATA, 'templates')
  const stamp = join(DATA, `format-${FORMAT}-count-${count}.json`)
  if (existsSync(stamp)) return JSON.parse(await readFile(stamp, 'utf8')) as { templates: Template[]; files: string[] }
  await rm(DATA, { recursive: true, force: true })
  await mkdir(templatesDir, { recursive: true })
  const templates = await makeTemplates(templatesDir)
  const folder = join(DATA, 'folder')
  await mkdir(folder)
  const total = templates.reduce((sum, template) => sum + template.share, 0)
  const files: string[] = []
  for (const template of templates) {
    const copies = Math.max(1, Math.round((template.share / total) * count))
    for (let index = 0; index < copies && files.length < count; index++) {
      const path = join(folder, `${String(files.length).padStart(4, '0')}-${template.name}`)
      await copyFile(join(templatesDir, template.name), path)
      files.push(path)
    }
  }
  const prepared = { templates, files }
  await writeFile(stamp, JSON.stringify(prepared))
  return prepared
}

// Every read of both readers is counted here: FileHandle reads (image-size) and readSync (ours).
let bytesRead = 0
async function countReads(): Promise<void> {
  const fs = createRequire(import.meta.url)('node:fs') as typeof import('node:fs')
  const readSync = fs.readSync
  fs.readSync = ((...args: Parameters<typeof readSync>) => {
    const read = readSync(...args)
    bytesRead += read
    return read
  }) as typeof readSync
  // the ES modules' named imports of node:fs see the change
  syncBuiltinESMExports()
  const handle = await open(import.meta.filename, 'r')
  const proto = Object.getPrototypeOf(handle) as { read: (...args: unknown[]) => Promise<{ bytesRead: number }> }
  await handle.close()
  const read = proto.read
  proto.read = async function (this: unknown, ...args: unknown[]) {
    const result = await read.apply(this, args)
    bytesRead += result.bytesRead
    return result
  }
}

async function inPool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++]!)
    })
  )
}

/** Right: the expected format and size. A cut file has no size to find: no size or an error is right there. */
function judge(outcome: Outcome, expected: Expected): { right: boolean; text: string } {
  const got = outcome.error
    ? `error "${outcome.error.slice(0, 40)}"`
    : `${outcome.format} ${outcome.width ?? '?'}x${outcome.height ?? '?'}`
  const right =
    expected.width === undefined
      ? outcome.error !== undefined || (outcome.format === expected.format && outcome.width === undefined)
      : outcome.format === expected.format && outcome.width === expected.width && outcome.height === expected.height
  return { right, text: `${right ? 'right' : 'WRONG'}: ${got}` }
}

async function main(): Promise<void> {
  const count = Number(values.count)
  const rounds = Number(values.rounds)
  const { templates, files } = await prepare(count)
  await countReads()

  console.log('## Correctness\n')
  console.log(`| file | expected | ${Object.keys(readers).join(' | ')} |`)
  console.log(
    `| --- | --- |${Object.keys(readers)
      .map(() => ' --- |')
      .join('')}`
  )
  for (const template of templates) {
    const path = join(DATA, 'templates', template.name)
    const size = (await stat(path)).size
    const cells: string[] = []
    for (const read of Object.values(readers)) {
      cells.push(judge(await read(path).catch((error: Error) => ({ error: error.message })), template.expected).text)
    }
    const { format, width, height } = template.expected
    console.log(
      `| ${template.what}, ${(size / 1024).toFixed(0)} KiB | ${format} ${width ?? '?'}x${height ?? '?'} | ${cells.join(' | ')} |`
    )
  }

  const totalBytes = (await Promise.all(files.map((file) => stat(file)))).reduce((sum, info) => sum + info.size, 0)
  console.log(
    `\n## A folder of ${files.length} images (${(totalBytes / 1e6).toFixed(0)} MB), 8 files at a time, ${rounds} rounds after a warm-up\n`
  )
  console.log('| reader | median time | bytes read per file | wrong |')
  console.log('| --- | --- | --- | --- |')
  const expectedOf = new Map(
    files.map((file) => [file, templates.find((template) => file.endsWith(`-${template.name}`))!.expected])
  )
  // Rounds interleave the readers (A, B, C, A, B, C, ...), so a busy machine weighs on each alike.
  const results = new Map(Object.keys(readers).map((name) => [name, { times: [] as number[], perFile: 0, wrong: 0 }]))
  for (let round = 0; round <= rounds; round++) {
    for (const [name, read] of Object.entries(readers)) {
      const result = results.get(name)!
      bytesRead = 0
      result.wrong = 0
      const started = performance.now()
      await inPool(files, 8, async (file) => {
        const outcome = await read(file).catch((error: Error) => ({ error: error.message }))
        if (!judge(outcome, expectedOf.get(file)!).right) result.wrong++
      })
      if (round > 0) result.times.push(performance.now() - started)
      result.perFile = bytesRead / files.length
    }
  }
  for (const [name, { times, perFile, wrong }] of results) {
    times.sort((a, b) => a - b)
    const median = times[Math.floor(times.length / 2)]!
    console.log(
      `| ${name} | ${median.toFixed(0)} ms (fastest ${times[0]!.toFixed(0)}) | ${(perFile / 1024).toFixed(1)} KiB | ${wrong} of ${files.length} |`
    )
  }
  console.log(
    '\n(page cache warm: the files were read in the warm-up round; bytes read is what a cold disk would serve)'
  )
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
