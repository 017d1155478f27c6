// The model endpoints of the local server: fake inference (POST /v1/ent/... and /v1/base/...),
// which checks a request body shaped like Tiyaro's (`{"input": {"prompt": ...}}`) and draws a real
// PNG of the asked size in one colour derived from the prompt and seed, so the same request always
// gives the same image; and the JSON model card of a trained model (GET /models/...).

import { createHash } from 'node:crypto'
import { drain, readBody, type Exchange } from './exchange.js'
import type { FaultApplier, FaultPlan } from './faults.js'
import { encodeSolidPng, type Rgb } from './png.js'
import type { TrainingService } from './training-service.js'

export const DEFAULT_IMAGE_SIDE = 64
export const MAX_IMAGE_SIDE = 1024
export const DEFAULT_BASE_MODEL = 'stable-diffusion-v1-5'

/**
 * The `input` of a request after the server's checks, sizes filled in. It has the shape of the
 * client's InferenceInput (src/tiyaro/inference.ts) on purpose, but stays a separate type: the
 * server is a stand-in for the real service and imports nothing from src/, so a change of the
 * client's type cannot silently change what the server accepts.
 */
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

/** The colour of the image for a prompt and seed, red, green and blue. */
export function imageColor(prompt: string, seed?: number): Rgb {
  const digest = createHash('sha256')
    .update(`${prompt}\u0000${seed ?? ''}`)
    .digest()
  return [digest[0]!, digest[1]!, digest[2]!]
}

/** The PNG answering an inference request: 8-bit RGB, of one colour. */
export function renderImage(input: InferenceInput): Buffer {
  return encodeSolidPng(input.width, input.height, imageColor(input.prompt, input.seed))
}

export interface InferenceHandlerContext {
  readonly apiKey: string
  readonly service: TrainingService
  readonly faults: FaultPlan
  readonly applyFault: FaultApplier
}

const INFERENCE_BODY_LIMIT = 1024 * 1024

/** One inference call: of a trained model (`model` given) or of a base model. */
export async function handleInference(
  context: InferenceHandlerContext,
  exchange: Exchange,
  url: URL,
  model?: { vendor: string; name: string }
): Promise<void> {
  const { req, entry } = exchange
  const raw = await readBody(req, INFERENCE_BODY_LIMIT)
  let body: unknown
  let json = true
  try {
    body = JSON.parse(raw.toString('utf8'))
    if (typeof body === 'object' && body !== null && 'input' in body) entry.inferenceInput = body.input
  } catch {
    json = false
  }
  if (context.applyFault(exchange, context.faults.take(['inference']), 'inference')) return

  entry.authorized = req.headers.authorization === `Bearer ${context.apiKey}`
  if (!entry.authorized) {
    entry.errors = ['unauthorized']
    return exchange.sendJson(401, { message: 'Unauthorized' })
  }
  if (model) {
    const version = url.searchParams.get('version') ?? undefined
    const found = context.service.findModel(decodeURIComponent(model.vendor), decodeURIComponent(model.name), version)
    if (!found) {
      entry.errors = ['model not found']
      return exchange.sendJson(404, { message: `model ${url.pathname} (version ${version ?? 'any'}) not found` })
    }
  }
  const parsed = json ? parseInferenceBody(body) : { ok: false as const, message: 'body is not JSON' }
  if (!parsed.ok) {
    entry.errors = [parsed.message]
    return exchange.sendJson(400, { message: parsed.message })
  }
  const png = renderImage(parsed.input)
  exchange.sendJson(200, { response: { images: [png.toString('base64')] } })
}

/** The model card of a trained model's version. */
export async function handleModelCard(
  service: TrainingService,
  exchange: Exchange,
  vendor: string,
  name: string,
  version: string
): Promise<void> {
  await drain(exchange.req)
  const found = service.findModel(decodeURIComponent(vendor), decodeURIComponent(name), decodeURIComponent(version))
  if (!found) return exchange.sendJson(404, { message: 'model not found' })
  const input = found.job.input?.dreamboothInput as Record<string, unknown> | undefined
  exchange.sendJson(200, {
    ...found.model,
    description: input?.desc ?? null,
    baseModel: input?.model ?? DEFAULT_BASE_MODEL,
    jobID: found.job.id,
    trainedAt: found.job.finishedAt?.toISOString() ?? null
  })
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
