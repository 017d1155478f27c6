// Checks an uploaded dataset zip against the seed's layout: instance images at the root, class
// images directly under dataset_class/, every file an image by its content, at least one instance
// image. The service reports a bad dataset as a failed job, so this returns a reason, not a throw.

import { readZip, ZipFormatError } from './zip-reader.js'

export const CLASS_DIRECTORY = 'dataset_class'

export type ImageType = 'jpeg' | 'png' | 'webp'

export type DatasetCheck =
  | { readonly ok: true; readonly instanceImages: number; readonly classImages: number }
  | { readonly ok: false; readonly reason: string }

/** The image type of some bytes, by their signature, or undefined. */
export function detectImageType(bytes: Uint8Array): ImageType | undefined {
  const starts = (signature: readonly number[], at = 0): boolean =>
    bytes.length >= at + signature.length && signature.every((byte, index) => bytes[at + index] === byte)
  if (starts([0xff, 0xd8, 0xff])) return 'jpeg'
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png'
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return 'webp'
  return undefined
}

/** Checks a dataset archive; `objName` only labels the messages. */
export function checkDataset(objName: string, zip: Uint8Array): DatasetCheck {
  const fail = (reason: string): DatasetCheck => ({ ok: false, reason: `dataset ${objName}: ${reason}` })
  let entries
  try {
    entries = readZip(zip)
  } catch (error) {
    if (error instanceof ZipFormatError) return fail(`not a valid zip archive (${error.message})`)
    throw error
  }
  const seen = new Set<string>()
  let instanceImages = 0
  let classImages = 0
  for (const entry of entries) {
    if (seen.has(entry.name)) return fail(`entry ${JSON.stringify(entry.name)} appears twice`)
    seen.add(entry.name)
    if (entry.name === `${CLASS_DIRECTORY}/`) continue
    const segments = entry.name.split('/')
    const atRoot = segments.length === 1
    const inClassDirectory = segments.length === 2 && segments[0] === CLASS_DIRECTORY
    if (entry.isDirectory || !(atRoot || inClassDirectory) || segments.some((segment) => segment === '')) {
      return fail(
        `entry ${JSON.stringify(entry.name)} is not allowed: instance images go at the root, ` +
          `class images directly under ${CLASS_DIRECTORY}/`
      )
    }
    let data: Buffer
    try {
      data = entry.data()
    } catch (error) {
      if (error instanceof ZipFormatError) return fail(`not a valid zip archive (${error.message})`)
      throw error
    }
    if (!detectImageType(data)) return fail(`entry ${JSON.stringify(entry.name)} is not a JPEG, PNG or WebP image`)
    if (atRoot) instanceImages++
    else classImages++
  }
  if (instanceImages === 0) return fail('no instance image at the root of the zip')
  return { ok: true, instanceImages, classImages }
}
