// The fake model inference of the local server: checks a request body shaped like Tiyaro's
// (`{"input": {"prompt": ...}}`) and draws a real PNG of the asked size in one colour derived
// from the prompt and seed, so the same request always gives the same image.

import { createHash } from 'node:crypto'
import { encodeSolidPng, type Rgb } from './png.js'

export const DEFAULT_IMAGE_SIDE = 64
export const MAX_IMAGE_SIDE = 1024
export const DEFAULT_BASE_MODEL = 'stable-diffusion-v1-5'

export interface InferenceInput {
  readonly prompt: string
  readonly negative_prompt?: string
  readonly seed?: number
  readonly steps?: number
  readonly guidance_scale?: number
  readonly width: number
  readonly height: number
}

export type ParsedInference =
  { readonly ok: true; readonly input: InferenceInput } | { readonly ok: false; readonly message: string }

/** Checks a parsed JSON request body. */
export function parseInferenceBody(body: unknown): ParsedInference {
  const fail = (message: string): ParsedInference => ({ ok: false, message })
  if (!isObject(body) || !isObject(body.input)) return fail('body must be {"input": {"prompt": ...}}')
  const input = body.input
  if (typeof input.prompt !== 'string' || input.prompt.trim() === '')
    return fail('input.prompt must be a non-empty string')
  if (input.negative_prompt !== undefined && typeof input.negative_prompt !== 'string') {
    return fail('input.negative_prompt must be a string')
  }
  const integer = (field: string, min: number, max: number): number | undefined | string => {
    const value = input[field]
    if (value === undefined) return undefined
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      return `input.${field} must be an integer from ${min} to ${max}`
    }
    return value
  }
  const seed = integer('seed', 0, 2 ** 32 - 1)
  const steps = integer('steps', 1, 500)
  const width = integer('width', 1, MAX_IMAGE_SIDE)
  const height = integer('height', 1, MAX_IMAGE_SIDE)
  for (const value of [seed, steps, width, height]) if (typeof value === 'string') return fail(value)
  const guidance = input.guidance_scale
  if (guidance !== undefined && (typeof guidance !== 'number' || !Number.isFinite(guidance))) {
    return fail('input.guidance_scale must be a number')
  }
  return {
    ok: true,
    input: {
      prompt: input.prompt,
      ...(input.negative_prompt === undefined ? {} : { negative_prompt: input.negative_prompt }),
      ...(seed === undefined ? {} : { seed: seed as number }),
      ...(steps === undefined ? {} : { steps: steps as number }),
      ...(guidance === undefined ? {} : { guidance_scale: guidance }),
      width: (width as number | undefined) ?? DEFAULT_IMAGE_SIDE,
      height: (height as number | undefined) ?? DEFAULT_IMAGE_SIDE
    }
  }
}

/** The colour of the image for a prompt and seed. */
export function imageColor(prompt: string, seed?: number): Rgb {
  const digest = createHash('sha256')
    .update(`${prompt}\u0000${seed ?? ''}`)
    .digest()
  return [digest[0]!, digest[1]!, digest[2]!]
}

/** The PNG answering an inference request. */
export function renderImage(input: InferenceInput): Buffer {
  return encodeSolidPng(input.width, input.height, imageColor(input.prompt, input.seed))
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
