// Finds the images that go into the zip and checks them, before anything is uploaded.
// The scan reads only each file's header (image-info.ts); the archive step reads each file
// once in full and reports each entry's fingerprint (size and CRC-32), which `checkDataset`
// takes for its duplicate check, so no file is read a second time.
//
// Layout (the seed's): instance images at the zip's root, class images under dataset_class/.
// Sub-folders are flattened, so the entry name is the file's own name; two files that would
// get the same name (also when only the case differs) are an error, never an overwrite.
// Hidden files and folders (name starting with '.') are skipped; so is the class folder when
// it lies inside the instance folder (and the other way round), so no image is in the zip twice.
import type { Dirent } from 'node:fs'
import { readdir, realpath, stat } from 'node:fs/promises'
import { join, relative, sep, isAbsolute } from 'node:path'
import { readImageInfo, type ImageFormat } from '../shared/image-info.js'
import { formatBytes } from '../shared/format.js'

/** Largest image accepted; far above any photo a trainer crops to 512-1024 px. */
export const MAX_IMAGE_BYTES = 50 * 1024 * 1024
/** Largest total of the images in one zip. */
export const MAX_ZIP_BYTES = 5 * 1024 * 1024 * 1024
/** The zip's folder for class images. */
export const CLASS_FOLDER = 'dataset_class'
/** The training resolution when the `resolution` input is not set. */
export const DEFAULT_RESOLUTION = 512
export const MIN_INSTANCE_IMAGES = 3
export const MAX_INSTANCE_IMAGES = 50
/** Problems listed in one error message before "and N more". */
const MAX_LISTED_PROBLEMS = 20
/** Files whose headers are read at the same time. */
const READ_CONCURRENCY = 8

export type DatasetInput = 'instance-images' | 'class-images'

/** A dataset that cannot be zipped; the message starts with the input to fix. */
export class DatasetError extends Error {
  constructor(
    readonly input: DatasetInput,
    message: string
  ) {
    super(`${input}: ${message}`)
    this.name = 'DatasetError'
  }
}

export interface DatasetImage {
  readonly kind: 'instance' | 'class'
  /** the folder given joined with relPath: the path a user recognises */
  readonly sourcePath: string
  /** relative to its folder, '/'-separated */
  readonly relPath: string
  /** the path in the zip: "a.jpg", or "dataset_class/b.jpg" for a class image */
  readonly entryName: string
  readonly bytes: number
  readonly format: ImageFormat
  /** undefined when the header did not tell */
  readonly width?: number
  readonly height?: number
}

export interface Dataset {
  readonly instanceDir: string
  readonly classDir?: string
  /** instance images sorted by entryName, the order they take in the zip */
  readonly instance: readonly DatasetImage[]
  /** class images sorted by entryName; empty when there is no class folder */
  readonly class: readonly DatasetImage[]
  /** sum of the images' sizes */
  readonly totalBytes: number
}

export interface ScanOptions {
  readonly instanceDir: string
  /** a missing folder (or undefined) means no class images */
  readonly classDir?: string
}

export async function scanDataset({ instanceDir, classDir }: ScanOptions): Promise<Dataset> {
  const instanceRoot = await resolveFolder(instanceDir, 'instance-images')
  if (instanceRoot === undefined) throw new DatasetError('instance-images', `folder not found: ${instanceDir}`)
  const classRoot = classDir === undefined ? undefined : await resolveFolder(classDir, 'class-images')
  if (classRoot === instanceRoot) {
    throw new DatasetError('class-images', `is the same folder as instance-images (${instanceDir})`)
  }

  // The vendor template's layout keeps class images in <instance>/dataset_class: flattened into
  // the instance images they would train the wrong concept, so ask for them as class-images.
  const nestedClassDir = join(instanceDir, CLASS_FOLDER)
  const nestedClassRoot = await resolveFolder(nestedClassDir, 'instance-images').catch(() => undefined)
  if (nestedClassRoot !== undefined && nestedClassRoot !== classRoot) {
    throw new DatasetError(
      'instance-images',
      `${nestedClassDir} looks like class images in the zip's layout; give it as class-images (class-images: ${nestedClassDir}) so its images go to dataset_class/ and not among the instance images`
    )
  }

  // when one folder holds the other, the inner one's images belong to the inner one only
  const instanceImages = await scanFolder(instanceDir, instanceRoot, 'instance', classRoot)
  if (instanceImages.length === 0) {
    throw new DatasetError('instance-images', `no JPEG, PNG or WebP image in ${instanceDir}`)
  }
  const classImages =
    classDir === undefined || classRoot === undefined
      ? []
      : await scanFolder(classDir, classRoot, 'class', instanceRoot)

  const instanceBytes = sumBytes(instanceImages)
  const classBytes = sumBytes(classImages)
  const totalBytes = instanceBytes + classBytes
  if (totalBytes > MAX_ZIP_BYTES) {
    const input = instanceBytes > MAX_ZIP_BYTES ? 'instance-images' : 'class-images'
    throw new DatasetError(
      input,
      `the images come to ${formatBytes(totalBytes)} (instance-images ${formatBytes(instanceBytes)}, ` +
        `class-images ${formatBytes(classBytes)}), more than the ${formatBytes(MAX_ZIP_BYTES)} allowed in one zip`
    )
  }
  return { instanceDir, classDir, instance: instanceImages, class: classImages, totalBytes }
}

/** The folder's real path; undefined when it does not exist. */
async function resolveFolder(dir: string, input: DatasetInput): Promise<string | undefined> {
  let real: string
  try {
    real = await realpath(dir)
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined
    throw new DatasetError(input, `cannot open ${dir}: ${errorCode(error) ?? String(error)}`)
  }
  if (!(await stat(real)).isDirectory()) throw new DatasetError(input, `not a folder: ${dir}`)
  return real
}

/** One thing wrong, with the paths (relative to the folder) it concerns. */
interface Problem {
  readonly paths: readonly string[]
  readonly reason: string
}

interface FoundFile {
  /** real path to read */
  readonly path: string
  readonly relPath: string
  /** the name it was found under (a link's own name, not its target's) */
  readonly name: string
}

async function scanFolder(
  dir: string,
  root: string,
  kind: DatasetImage['kind'],
  otherRoot: string | undefined
): Promise<DatasetImage[]> {
  const input: DatasetInput = kind === 'instance' ? 'instance-images' : 'class-images'
  const { files, problems } = await listFiles(root, otherRoot)
  const images: DatasetImage[] = []
  for (let i = 0; i < files.length; i += READ_CONCURRENCY) {
    const batch = files.slice(i, i + READ_CONCURRENCY)
    for (const result of await Promise.all(batch.map((file) => inspectFile(file, dir, kind)))) {
      if ('reason' in result) problems.push(result)
      else images.push(result)
    }
  }
  problems.push(...nameClashes(images))
  if (problems.length > 0) throw new DatasetError(input, describeProblems(dir, problems))
  return images.sort((a, b) => compareNames(a.entryName, b.entryName))
}

/** Walks the folder depth-first in name order; links are followed when they stay inside. */
async function listFiles(root: string, skip: string | undefined): Promise<{ files: FoundFile[]; problems: Problem[] }> {
  const files: FoundFile[] = []
  const problems: Problem[] = []
  const visited = new Set<string>()

  async function visit(realDir: string, relDir: string): Promise<void> {
    if (visited.has(realDir) || realDir === skip) return // a loop, a second link, or the other input's folder
    visited.add(realDir)
    let entries: Dirent[]
    try {
      entries = await readdir(realDir, { withFileTypes: true })
    } catch (error) {
      problems.push({ paths: [relDir || '.'], reason: `cannot read the folder (${errorCode(error) ?? String(error)})` })
      return
    }
    const shown = entries.filter((entry) => !entry.name.startsWith('.'))
    for (const entry of shown.sort((a, b) => compareNames(a.name, b.name))) {
      const relPath = relDir === '' ? entry.name : `${relDir}/${entry.name}`
      const target = await resolveEntry(root, realDir, entry)
      if ('reason' in target) problems.push({ paths: [relPath], reason: target.reason })
      else if (target.type === 'dir') await visit(target.path, relPath)
      else if (target.type === 'file') files.push({ path: target.path, relPath, name: entry.name })
      else problems.push({ paths: [relPath], reason: 'not a regular file' })
    }
  }

  await visit(root, '')
  return { files, problems }
}

type ResolvedEntry = { readonly path: string; readonly type: 'file' | 'dir' | 'other' } | { readonly reason: string }

async function resolveEntry(root: string, realDir: string, entry: Dirent): Promise<ResolvedEntry> {
  const path = join(realDir, entry.name)
  if (!entry.isSymbolicLink()) {
    return { path, type: entry.isDirectory() ? 'dir' : entry.isFile() ? 'file' : 'other' }
  }
  let target: string
  try {
    target = await realpath(path)
  } catch {
    return { reason: 'broken symbolic link' }
  }
  if (!isInside(root, target)) return { reason: `symbolic link to ${target}, outside the folder` }
  const stats = await stat(target)
  return { path: target, type: stats.isDirectory() ? 'dir' : stats.isFile() ? 'file' : 'other' }
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path)
  return rel === '' || (rel.split(sep)[0] !== '..' && !isAbsolute(rel))
}

// Characters that the zip writer would turn into folders or drop (\ and a drive-like "x:"),
// or that a Windows trainer could not extract.
const UNPORTABLE_NAME = /[\\:*?"<>|\u0000-\u001f\u007f]/

async function inspectFile(file: FoundFile, dir: string, kind: DatasetImage['kind']): Promise<DatasetImage | Problem> {
  const problem = (reason: string): Problem => ({ paths: [file.relPath], reason })
  if (UNPORTABLE_NAME.test(file.name)) {
    return problem('the name has a character a zip entry cannot keep (\\ : * ? " < > | or a control character)')
  }
  if (kind === 'instance' && file.name.toLowerCase() === CLASS_FOLDER) {
    return problem(`the name is taken by the zip's ${CLASS_FOLDER}/ folder`)
  }
  let bytes: number
  let info: Awaited<ReturnType<typeof readImageInfo>>
  try {
    bytes = (await stat(file.path)).size
    info = await readImageInfo(file.path)
  } catch (error) {
    return problem(`cannot read it (${errorCode(error) ?? String(error)})`)
  }
  if (info === undefined) return problem('not a JPEG, PNG or WebP image')
  if (bytes > MAX_IMAGE_BYTES) {
    return problem(`${formatBytes(bytes)}, more than the ${formatBytes(MAX_IMAGE_BYTES)} allowed for one image`)
  }
  return {
    kind,
    sourcePath: join(dir, ...file.relPath.split('/')),
    relPath: file.relPath,
    entryName: kind === 'instance' ? file.name : `${CLASS_FOLDER}/${file.name}`,
    bytes,
    format: info.format,
    width: info.width,
    height: info.height
  }
}

/** Images that flatten to the same entry name, compared without case. */
function nameClashes(images: readonly DatasetImage[]): Problem[] {
  const byName = new Map<string, string[]>()
  for (const image of images) {
    const key = image.entryName.toLowerCase()
    byName.set(key, [...(byName.get(key) ?? []), image.relPath])
  }
  return [...byName.entries()]
    .filter(([, paths]) => paths.length > 1)
    .map(([, paths]) => ({
      paths: paths.sort(compareNames),
      reason: `each would be stored as ${paths[0].split('/').pop()} (sub-folders are flattened; names are compared without case)`
    }))
}

function describeProblems(dir: string, problems: readonly Problem[]): string {
  const sorted = [...problems].sort((a, b) => compareNames(a.paths[0], b.paths[0]))
  const listed = sorted.slice(0, MAX_LISTED_PROBLEMS).map((p) => `\n  ${p.paths.join(', ')}: ${p.reason}`)
  const more = problems.length > MAX_LISTED_PROBLEMS ? `\n  and ${problems.length - MAX_LISTED_PROBLEMS} more` : ''
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`
  return (
    `${count} in ${dir}:${listed.join('')}${more}\n` +
    `Only JPEG, PNG and WebP images may be in the folder (files and folders whose names start with '.' are skipped).`
  )
}

export interface DatasetWarning {
  readonly message: string
  /** the image concerned (sourcePath), for a file annotation */
  readonly file?: string
}

export interface CheckOptions {
  /** the training resolution; DEFAULT_RESOLUTION when undefined */
  readonly resolution?: number
}

/** The archive's entry fingerprints (ArchiveResult fits), by entry name. */
export interface HashedEntries {
  readonly entries: readonly { readonly name: string; readonly fingerprint: string }[]
}

/**
 * Warnings that do not stop the run. Duplicates are found from the hashes the archive step
 * took; without `archive` (undefined) they are not looked for.
 */
export function checkDataset(
  dataset: Dataset,
  archive: HashedEntries | undefined,
  { resolution = DEFAULT_RESOLUTION }: CheckOptions = {}
): DatasetWarning[] {
  const duplicates = archive === undefined ? [] : duplicateWarnings(dataset, archive)
  return [...countWarnings(dataset), ...sizeWarnings(dataset, resolution), ...duplicates]
}

function countWarnings(dataset: Dataset): DatasetWarning[] {
  const count = dataset.instance.length
  if (count < MIN_INSTANCE_IMAGES) {
    return [
      {
        message: `only ${count} instance image${count === 1 ? '' : 's'}: DreamBooth needs ${MIN_INSTANCE_IMAGES} to ${MAX_INSTANCE_IMAGES} to learn a subject`
      }
    ]
  }
  if (count > MAX_INSTANCE_IMAGES) {
    return [{ message: `${count} instance images: more than ${MAX_INSTANCE_IMAGES} add training time for little gain` }]
  }
  return []
}

function sizeWarnings(dataset: Dataset, resolution: number): DatasetWarning[] {
  const warnings: DatasetWarning[] = []
  for (const image of allImages(dataset)) {
    if (image.width === undefined || image.height === undefined) {
      warnings.push({
        message: `${describe(image)}: its pixel size could not be read from the header`,
        file: image.sourcePath
      })
    } else if (Math.min(image.width, image.height) < resolution) {
      warnings.push({
        message: `${describe(image)} is ${image.width}x${image.height}: its short side is below the training resolution of ${resolution} px, so it will be scaled up`,
        file: image.sourcePath
      })
    }
  }
  return warnings
}

/** One warning per image whose content an earlier one (instance first, then class) has. */
function duplicateWarnings(dataset: Dataset, archive: HashedEntries): DatasetWarning[] {
  const hashByName = new Map(archive.entries.map((entry) => [entry.name, entry.fingerprint]))
  const firstByHash = new Map<string, DatasetImage>()
  const warnings: DatasetWarning[] = []
  for (const image of allImages(dataset)) {
    const hash = hashByName.get(image.entryName)
    if (hash === undefined) continue
    const first = firstByHash.get(hash)
    if (first === undefined) firstByHash.set(hash, image)
    else
      warnings.push({
        message: `${describe(image)} has the same content as ${describe(first)}`,
        file: image.sourcePath
      })
  }
  return warnings
}

function allImages(dataset: Dataset): DatasetImage[] {
  return [...dataset.instance, ...dataset.class]
}

function describe(image: DatasetImage): string {
  return image.kind === 'instance' ? image.relPath : `${image.relPath} (class-images)`
}

function sumBytes(images: readonly DatasetImage[]): number {
  return images.reduce((total, image) => total + image.bytes, 0)
}

/** Code-unit order: the same on every machine, unlike localeCompare. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined
}
