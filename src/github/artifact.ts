// The workflow artifact (`artifact-name`): the zip that was sent, a result.json that says what
// became of it, and the sample images when there are any. Made at the end of every run that got
// as far as a zip or a job, a failed or timed-out one included (that is when it helps most);
// an artifact that cannot be made is a warning, never a failed run.
import { copyFile, link, mkdir, rm, writeFile } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import type { Config } from '../inputs/index.js'
import { outputStatus, type RunReport } from '../report/index.js'
import { bestEffort } from '../shared/best-effort.js'
import { nodeCrypto } from '../shared/builtins.js'
import { endStep } from './end-step.js'
import { isEnterpriseServer } from './runner-kind.js'
import { formatDuration } from '../shared/format.js'
import { redact, redactDeep } from '../shared/secrets.js'
import { runnerTemp } from '../shared/paths.js'
import { log } from '../shared/log.js'

export const RESULT_FILE = 'result.json'
export const SAMPLES_FOLDER = 'samples'

/** The sample images' names in the artifact, in the report's order; a repeated name gets a number. */
export function sampleFileNames(samples: readonly { readonly path: string }[]): string[] {
  const taken = new Set<string>()
  return samples.map(({ path }, index) => {
    const name = basename(path)
    const unique = taken.has(name) ? `${index + 1}-${name}` : name
    taken.add(unique)
    return `${SAMPLES_FOLDER}/${unique}`
  })
}

/**
 * result.json: what a person debugging the run wants. No API key (the parameters sent never
 * hold it, and every string is redacted, a server's too), no upload URL, no runner-local path.
 */
export function resultJson(
  report: RunReport,
  config: Pick<Config, 'apiKey' | 'githubToken' | 'zipName'>
): Record<string, unknown> {
  const secrets = [config.apiKey, config.githubToken]
  const samples = report.sampleImages ?? []
  const sampleFiles = sampleFileNames(samples)
  const result: Record<string, unknown> = {
    jobId: report.jobId ?? null,
    status: outputStatus(report) ?? null,
    jobStatus: report.jobStatus?.statusEnum ?? null,
    // redactDeep below takes the secrets out of every string
    errorMessage: report.errorMessage ?? null,
    attachedTo: report.attachedTo ?? null,
    created: report.jobStatus?.created ?? null,
    finished: report.jobStatus?.finished ?? null,
    models: report.models.map(({ vendor, version, name, url, modelCard }) => ({
      vendor,
      version,
      name,
      url,
      modelCard
    })),
    parametersSent: report.parametersSent ?? null,
    zip: report.zip
      ? { name: config.zipName || basename(report.zip.path), sha256: report.zip.sha256, bytes: report.zip.bytes }
      : null,
    instanceImageCount: report.instanceImageCount ?? null,
    classImageCount: report.classImageCount ?? null,
    classImagesCacheHit: report.classImagesCacheHit ?? null,
    apiRevision: report.apiRevision ?? null,
    sampleImages: samples.map((sample, index) => ({ prompt: sample.prompt, file: sampleFiles[index] })),
    timings: report.timings.map(({ phase, ms }) => ({ phase, ms }))
  }
  return redactDeep(result, secrets)
}

/** Uploads the artifact when `artifact-name` is set and sets `report.artifactId`. Never throws. */
export const uploadResultArtifact = endStep(
  (config) => config.artifactName,
  async (name, config, report, env) => {
    if (!report.zip && !report.jobId) return // nothing was built or started: nothing to keep
    if (isEnterpriseServer(env)) {
      // the library would throw GHESNotSupportedError after a warning of its own
      log.warning(unsupportedServiceWarning(name, report, env))
      return
    }
    if (!env.ACTIONS_RUNTIME_TOKEN || !env.ACTIONS_RESULTS_URL) {
      log.warning(`artifact-name: this runner offers no artifact service, so no artifact "${name}" was uploaded.`)
      return
    }
    const started = Date.now()
    const folder = join(runnerTemp(env), `tiyaro-dreambooth-artifact-${nodeCrypto().randomUUID()}`)
    const failed = {
      warning: (message: string) =>
        `Could not upload the artifact "${name}": ${redact(message, [config.apiKey, config.githubToken])}`,
      fallback: undefined,
      cleanup: async () => {
        report.timings.push({ phase: 'Upload artifact', ms: Date.now() - started })
        await rm(folder, { recursive: true, force: true })
      }
    }
    await bestEffort(failed, () =>
      log.group(`Upload artifact ${name}`, async () => {
        const files = await stageFiles(folder, config, report, env)
        const { DefaultArtifactClient } = await import('@actions/artifact')
        // the zip's images are compressed already: packing them again only costs time
        const uploaded = await new DefaultArtifactClient().uploadArtifact(name, files, folder, { compressionLevel: 0 })
        report.artifactId = uploaded.id
        const shown = files.map((file) => file.slice(folder.length + 1)).join(', ')
        log.info(
          `Uploaded artifact "${name}" (id ${uploaded.id}, ${uploaded.size} bytes: ${shown}) in ${formatDuration(Date.now() - started)}.`
        )
      })
    )
  }
)

/**
 * @actions/artifact v2+ refuses GitHub Enterprise Server and the servers that pass for it (Gitea,
 * Forgejo) with GHESNotSupportedError: one warning that says so and where the files are instead.
 */
function unsupportedServiceWarning(name: string, report: RunReport, env: NodeJS.ProcessEnv): string {
  const samples = (report.sampleImages ?? []).length > 0 ? ' and the sample images (the sample-images output)' : ''
  return (
    `artifact-name: the artifact service of ${env.GITHUB_SERVER_URL || 'this server'} is not supported by @actions/artifact ` +
    `(GitHub Enterprise Server, Gitea), so no artifact "${name}" was uploaded; the training goes on. ` +
    `The zip (the zip-path output)${samples} stay on the runner: actions/upload-artifact@v3 can upload them there.`
  )
}

/** Puts the files into one folder (the artifact's root): links where possible, no copies of big files. */
async function stageFiles(
  folder: string,
  config: Config,
  report: RunReport,
  env: NodeJS.ProcessEnv
): Promise<string[]> {
  const samples = report.sampleImages ?? []
  await mkdir(samples.length > 0 ? join(folder, SAMPLES_FOLDER) : folder, { recursive: true })
  const files: string[] = []
  if (report.zip) {
    const target = join(folder, config.zipName || basename(report.zip.path))
    await placeFile(report.zip.path, target)
    files.push(target)
  }
  const workspace = env.GITHUB_WORKSPACE || process.cwd()
  const names = sampleFileNames(samples)
  for (const [index, sample] of samples.entries()) {
    const target = join(folder, ...names[index].split('/'))
    await placeFile(resolve(workspace, sample.path), target)
    files.push(target)
  }
  const result = join(folder, RESULT_FILE)
  await writeFile(result, `${JSON.stringify(resultJson(report, config), null, 2)}\n`)
  files.push(result)
  return files
}

async function placeFile(source: string, target: string): Promise<void> {
  try {
    await link(source, target)
  } catch {
    await copyFile(source, target)
  }
}
