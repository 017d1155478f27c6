// The dataset's shape and limits: what a scanned image is, and the names both scan and checks use.
import type { BigIntStats } from 'node:fs'
import type { ImageFormat } from '../shared/image-info.js'

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
  /** fileStamp() of the file as checked: the zip refuses a file whose stamp is no longer this */
  readonly stamp: string
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

/** Code-unit order: the same on every machine, unlike localeCompare. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * Which file, and which version of it: device, inode, size and modification time (ns). A file
 * replaced, grown, shrunk or rewritten since gets another stamp.
 */
export function fileStamp(stats: BigIntStats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}`
}
