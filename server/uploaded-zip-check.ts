// Checks an uploaded dataset zip against the seed's layout: instance images at the root, class
// images directly under dataset_class/, every file an image by its content, at least one instance
// image. The zip is read from its file entry by entry, every entry's data streamed through its
// size and CRC-32 check, so a big upload is checked in little memory. The service reports a bad
// dataset as a failed job, so this returns a reason, not a throw.

import { forEachZipEntry, ZipFormatError, type ZipEntry } from './zip-entries.js'

export const CLASS_DIRECTORY = 'dataset_class'

export type ImageType = 'jpeg' | 'png' | 'webp'

export type DatasetCheck =
  | { readonly ok: true; readonly instanceImages: number; readonly classImages: number }
  | { readonly ok: false; readonly reason: string }

/** The bytes detectImageType needs. */
const SIGNATURE_BYTES = 12

/** The image type of some bytes, by their signature, or undefined. */
export function detectImageType(bytes: Uint8Array): ImageType | undefined {
  const starts = (signature: readonly number[], at = 0): boolean =>
    bytes.length >= at + signature.length && signature.every((byte, index) => bytes[at + index] === byte)
  if (starts([0xff, 0xd8, 0xff])) return 'jpeg'
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png'
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return 'webp'
  return undefined
}

/** A dataset that breaks the layout. */
class LayoutProblem extends Error {}

/** Checks a dataset archive (its file, or its bytes); `objName` only labels the messages. */
export async function checkDataset(objName: string, zip: string | Uint8Array): Promise<DatasetCheck> {
  const fail = (reason: string): DatasetCheck => ({ ok: false, reason: `dataset ${objName}: ${reason}` })
  const seen = new Set<string>()
  let instanceImages = 0
  let classImages = 0
  const checkEntry = async (entry: ZipEntry): Promise<void> => {
    if (seen.has(entry.name)) throw new LayoutProblem(`entry ${JSON.stringify(entry.name)} appears twice`)
    seen.add(entry.name)
    if (entry.name === `${CLASS_DIRECTORY}/`) return
    const segments = entry.name.split('/')
    const atRoot = segments.length === 1
    const inClassDirectory = segments.length === 2 && segments[0] === CLASS_DIRECTORY
    if (entry.isDirectory || !(atRoot || inClassDirectory) || segments.some((segment) => segment === '')) {
      throw new LayoutProblem(
        `entry ${JSON.stringify(entry.name)} is not allowed: instance images go at the root, ` +
          `class images directly under ${CLASS_DIRECTORY}/`
      )
    }
    // Every byte goes through the size and CRC check; only the first few are kept.
    let head = Buffer.alloc(0)
    await entry.readData((chunk) => {
      if (head.length < SIGNATURE_BYTES) head = Buffer.concat([head, chunk.subarray(0, SIGNATURE_BYTES - head.length)])
    })
    if (!detectImageType(head)) {
      throw new LayoutProblem(`entry ${JSON.stringify(entry.name)} is not a JPEG, PNG or WebP image`)
    }
    if (atRoot) instanceImages++
    else classImages++
  }
  try {
    await forEachZipEntry(zip, checkEntry)
  } catch (error) {
    if (error instanceof ZipFormatError) return fail(`not a valid zip archive (${error.message})`)
    if (error instanceof LayoutProblem) return fail(error.message)
    throw error
  }
  if (instanceImages === 0) return fail('no instance image at the root of the zip')
  return { ok: true, instanceImages, classImages }
}
