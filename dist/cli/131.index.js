export const id = 131;
export const ids = [131];
export const modules = {

/***/ 6131:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  SAMPLES_TIME_LIMIT_MS: () => (/* reexport */ SAMPLES_TIME_LIMIT_MS),
  generateMissingClassImages: () => (/* reexport */ generateMissingClassImages),
  sampleTrainedModel: () => (/* reexport */ sampleTrainedModel),
  samplesDir: () => (/* reexport */ samplesDir)
});

// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
;// CONCATENATED MODULE: ./src/shared/concurrency.ts
// A few tasks at a time: enough to hide each call's latency without flooding a paid service.
/**
 * Runs `task` for every item with at most `limit` running at once; the results come in the
 * items' order. After a task throws, no new task starts and the first error is thrown once the
 * running ones have ended.
 */
async function mapWithConcurrency(items, limit, task) {
    const results = new Array(items.length);
    let next = 0;
    let failure;
    const worker = async () => {
        while (failure === undefined && next < items.length) {
            const index = next++;
            try {
                results[index] = await task(items[index], index);
            }
            catch (error) {
                failure ??= { error };
            }
        }
    };
    const workers = Math.max(1, Math.min(Math.floor(limit), items.length));
    await Promise.all(Array.from({ length: workers }, worker));
    if (failure)
        throw failure.error;
    return results;
}

// EXTERNAL MODULE: ./src/dataset/index.ts + 8 modules
var dataset = __webpack_require__(3206);
// EXTERNAL MODULE: ./src/shared/image-info.ts
var image_info = __webpack_require__(9141);
// EXTERNAL MODULE: ./src/tiyaro/index.ts + 10 modules
var tiyaro = __webpack_require__(3280);
// EXTERNAL MODULE: ./src/shared/log.ts
var log = __webpack_require__(1827);
;// CONCATENATED MODULE: ./src/extras/class-generator.ts







/** Calls at once: enough to hide latency, few enough not to queue up a paid GPU service. */
const GENERATION_CONCURRENCY = 3;
const GENERATED_PREFIX = 'generated-';
/**
 * What the folder holds; an empty answer when it does not exist. `exclude` is a folder inside
 * it that is not part of it (the instance folder, when it lies in the class folder).
 */
async function readClassFolder(dir, exclude) {
    const excluded = exclude === undefined ? undefined : await (0,promises_.realpath)(exclude).catch(() => undefined);
    let imageCount = 0;
    const takenStems = new Set();
    const walk = async (folder) => {
        let entries;
        try {
            entries = await (0,promises_.readdir)(folder, { withFileTypes: true });
        }
        catch (error) {
            if (error.code === 'ENOENT')
                return;
            throw error;
        }
        for (const entry of entries) {
            if (entry.name.startsWith('.'))
                continue;
            const path = (0,external_node_path_.join)(folder, entry.name);
            const isDir = entry.isDirectory() || (entry.isSymbolicLink() && (await isFolder(path)));
            if (isDir) {
                if (excluded === undefined || (await (0,promises_.realpath)(path)) !== excluded)
                    await walk(path);
                continue;
            }
            takenStems.add(stem(entry.name).toLowerCase());
            if (isImage(path))
                imageCount++;
        }
    };
    await walk(dir);
    return { imageCount, takenStems };
}
/** True when the file is a JPEG, PNG or WebP; false too when it cannot be read. */
function isImage(path) {
    try {
        return (0,image_info/* readImageInfo */.Kl)(path) !== undefined;
    }
    catch {
        return false;
    }
}
async function isFolder(path) {
    return (0,promises_.stat)(path).then((info) => info.isDirectory(), () => false);
}
function stem(name) {
    const dot = name.lastIndexOf('.');
    return dot > 0 ? name.slice(0, dot) : name;
}
/** The `count` smallest seeds from 1 up whose "generated-<seed>" name is free. */
function generationSeeds(count, takenStems) {
    const seeds = [];
    for (let seed = 1; seeds.length < count; seed++) {
        if (!takenStems.has(`${GENERATED_PREFIX}${seed}`))
            seeds.push(seed);
    }
    return seeds;
}
function generatedFileName(seed, format) {
    return `${GENERATED_PREFIX}${seed}.${tiyaro/* IMAGE_EXTENSIONS */.f9[format]}`;
}
/**
 * Generates what the folder lacks. Never throws for a failed generation: the images made so far
 * stay, and the result says why the rest were not (the caller warns; the training can still go).
 */
async function fillClassFolder(options) {
    const { classDir, wanted } = options;
    const folder = await readClassFolder(classDir, options.instanceDir);
    const existing = folder.imageCount;
    const missing = Math.max(0, wanted - existing);
    if (missing === 0) {
        log/* log */.Rm.info(`${existing} class images in ${classDir}, ${wanted} wanted (num-class-images): none to generate.`);
        return { existing, missing, generated: [] };
    }
    const seeds = generationSeeds(missing, folder.takenStems);
    if (options.dryRun) {
        log/* log */.Rm.info(`Dry run: ${existing} class images in ${classDir}, ${wanted} wanted: ${missing} would be generated (seeds ${describeSeeds(seeds)}).`);
        return { existing, missing, generated: [] };
    }
    const concurrency = options.concurrency ?? GENERATION_CONCURRENCY;
    log/* log */.Rm.info(`${existing} class images in ${classDir}, ${wanted} wanted: generating ${missing} from the class prompt ` +
        `(seeds ${describeSeeds(seeds)}, ${concurrency} at a time) with ${options.url}`);
    await (0,promises_.mkdir)(classDir, { recursive: true });
    const generated = new Map();
    let error;
    try {
        await mapWithConcurrency(seeds, concurrency, async (seed) => {
            const [image] = await (0,tiyaro/* callInference */.GO)(options.url, { prompt: options.classPrompt, seed, width: options.size, height: options.size }, {
                apiKey: options.apiKey,
                what: `class image ${seed}`,
                requestTimeoutMs: options.requestTimeoutMs,
                retry: options.retry
            });
            const path = (0,external_node_path_.join)(classDir, generatedFileName(seed, image.format));
            // Written aside under a hidden name, then renamed: a cancelled run leaves no half image.
            const partial = (0,external_node_path_.join)(classDir, `.${generatedFileName(seed, image.format)}.partial`);
            try {
                await (0,promises_.writeFile)(partial, image.bytes);
                await (0,promises_.rename)(partial, path);
            }
            catch (writeError) {
                await (0,promises_.rm)(partial, { force: true });
                throw writeError;
            }
            generated.set(seed, path);
            log/* log */.Rm.info(`${path}: seed ${seed}, ${image.format.toUpperCase()} ${image.width ?? '?'}x${image.height ?? '?'}, ${image.bytes.length} bytes`);
        });
    }
    catch (failure) {
        error = failure instanceof Error ? failure.message : String(failure);
    }
    return {
        existing,
        missing,
        generated: seeds.filter((seed) => generated.has(seed)).map((seed) => generated.get(seed)),
        error
    };
}
/** "1-4" or "1-3, 5, 7-9": the seeds of a log line, short. */
function describeSeeds(seeds) {
    const ranges = [];
    for (let i = 0; i < seeds.length;) {
        let j = i;
        while (j + 1 < seeds.length && seeds[j + 1] === seeds[j] + 1)
            j++;
        ranges.push(i === j ? `${seeds[i]}` : `${seeds[i]}-${seeds[j]}`);
        i = j + 1;
    }
    return ranges.join(', ');
}
/**
 * The run's generation step, between the cache restore and the scan: fills `classDir` up to
 * num-class-images from class-prompt through class-image-generator-url. Undefined when there is
 * nothing to do; a failed generation is a warning, and the run goes on with the images it has.
 */
async function generateMissingClassImages(config, classDir, retry) {
    const url = config.classImageGeneratorUrl;
    if (url === undefined)
        return undefined;
    const { num_class_images: wanted, resolution } = config.hyperparameters;
    if (typeof wanted !== 'number') {
        log/* log */.Rm.warning('class-image-generator-url is set but num-class-images is not: set num-class-images to say how many class images to have; none were generated.');
        return undefined;
    }
    const result = await fillClassFolder({
        classDir,
        wanted,
        url,
        apiKey: config.apiKey,
        classPrompt: config.classPrompt,
        size: typeof resolution === 'number' ? resolution : dataset/* DEFAULT_RESOLUTION */.Tn,
        instanceDir: config.instanceImages,
        dryRun: config.dryRun,
        requestTimeoutMs: config.requestTimeoutMs,
        retry
    });
    // a cancelled run stops here, not at the next call
    if (retry?.signal?.aborted)
        throw retry.signal.reason;
    if (result.error !== undefined) {
        log/* log */.Rm.warning(`Generated ${result.generated.length} of ${result.missing} missing class images; the rest were not made: ${result.error}. ` +
            `The zip goes with ${result.existing + result.generated.length} class images; the next run generates the rest.`);
    }
    return result;
}

// EXTERNAL MODULE: ./src/shared/errors.ts
var errors = __webpack_require__(8382);
;// CONCATENATED MODULE: ./src/extras/samples.ts
// Sample images of the trained model: one inference call per `sample-prompts` line, each image
// written under RUNNER_TEMP so the summary can list it and the artifact can carry it. A sample
// that cannot be made is a warning: the training it follows has succeeded all the same.
//
// Seeds: a prompt's first occurrence in the list uses seed 1, a second occurrence of the same
// prompt seed 2, and so on. So a prompt gives the same image on every run of the same model
// wherever it stands in the list, and the same seed across models, which is what makes two
// trainings comparable side by side.







/** Calls at once: samples are few, and a GPU service queues the rest anyway. */
const SAMPLE_CONCURRENCY = 3;
/**
 * How long the samples may take in all, retries included. timeout-minutes bounds the wait for
 * the training; the samples come after it and get this much time of their own.
 */
const SAMPLES_TIME_LIMIT_MS = 10 * 60_000;
const SLUG_MAX_LENGTH = 40;
/** The folder of a job's samples: RUNNER_TEMP/tiyaro-dreambooth/samples/<job id>. */
function samplesDir(workDir, jobId) {
    return (0,external_node_path_.join)(workDir, 'samples', jobId.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_') || 'job');
}
/** Each prompt's seed: 1 + how often the same prompt came earlier in the list. */
function sampleSeeds(prompts) {
    const seen = new Map();
    return prompts.map((prompt) => {
        const seed = (seen.get(prompt) ?? 0) + 1;
        seen.set(prompt, seed);
        return seed;
    });
}
/** Lower-case ASCII words of a prompt joined by '-', for a file name anyone can type. */
function promptSlug(prompt) {
    const slug = prompt
        .normalize('NFKD')
        .replace(/[\u0300-\u036f]/g, '')
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-+/, '')
        .slice(0, SLUG_MAX_LENGTH)
        .replace(/-+$/, '');
    return slug || 'sample';
}
/**
 * "01-a-photo-of-sks-dog.png": the prompt's place in the list (so names never clash and sort in
 * list order), its slug, and the extension of the format the service sent. A second image of the
 * same answer gets "-2", and so on.
 */
function sampleFileName(index, prompt, format, imageIndex = 0, promptCount = 1) {
    const number = String(index + 1).padStart(Math.max(2, String(promptCount).length), '0');
    const extra = imageIndex > 0 ? `-${imageIndex + 1}` : '';
    return `${number}-${promptSlug(prompt)}${extra}.${tiyaro/* IMAGE_EXTENSIONS */.f9[format]}`;
}
/** Makes every sample it can; returns the files written in prompt order, warns about the rest. */
async function writeSamples(options) {
    const { prompts, outputDir } = options;
    const seeds = sampleSeeds(prompts);
    const signal = options.retry?.signal;
    try {
        await (0,promises_.mkdir)(outputDir, { recursive: true });
    }
    catch (error) {
        log/* log */.Rm.warning(`Sample images were not made: cannot create ${outputDir}: ${(0,errors/* errorMessage */.g)(error)}`);
        return [];
    }
    log/* log */.Rm.info(`${prompts.length} sample prompt${prompts.length === 1 ? '' : 's'}, model ${options.modelUrl}, written to ${outputDir}`);
    const perPrompt = await mapWithConcurrency(prompts, options.concurrency ?? SAMPLE_CONCURRENCY, async (prompt, index) => {
        if (signal?.aborted)
            return [];
        const what = `sample ${index + 1}`;
        const input = { prompt, seed: seeds[index], width: options.size, height: options.size };
        const written = [];
        try {
            const images = await (0,tiyaro/* callInference */.GO)(options.modelUrl, input, {
                apiKey: options.apiKey,
                what,
                requestTimeoutMs: options.requestTimeoutMs,
                retry: options.retry
            });
            for (const [imageIndex, image] of images.entries()) {
                const path = (0,external_node_path_.join)(outputDir, sampleFileName(index, prompt, image.format, imageIndex, prompts.length));
                await (0,promises_.writeFile)(path, image.bytes);
                log/* log */.Rm.info(`${path}: ${describe(image)}, seed ${seeds[index]}, prompt ${JSON.stringify(prompt)}`);
                written.push({ prompt, path });
            }
        }
        catch (error) {
            if (!signal?.aborted)
                log/* log */.Rm.warning(`Sample ${index + 1} (${JSON.stringify(prompt)}) was not made: ${(0,errors/* errorMessage */.g)(error)}`);
        }
        return written;
    });
    if (signal?.aborted)
        log/* log */.Rm.warning('Sample images stopped: the run was cancelled.');
    return perPrompt.flat();
}
function describe(image) {
    const size = image.width && image.height ? ` ${image.width}x${image.height}` : '';
    return `${image.format.toUpperCase()}${size}, ${image.bytes.length} bytes`;
}
/** The run's sample step after `done`: the first model's samples, in RUNNER_TEMP. */
async function sampleTrainedModel(config, model, outputDir, retry) {
    if (!model.url) {
        log/* log */.Rm.warning(`Sample images were not made: the service gave model ${model.name} ${model.version} no URL.`);
        return [];
    }
    const { resolution } = config.hyperparameters;
    return writeSamples({
        modelUrl: model.url,
        prompts: config.samplePrompts,
        apiKey: config.apiKey,
        outputDir,
        size: typeof resolution === 'number' ? resolution : dataset/* DEFAULT_RESOLUTION */.Tn,
        requestTimeoutMs: config.requestTimeoutMs,
        retry
    });
}

;// CONCATENATED MODULE: ./src/extras/index.ts
// The paid extras' public face: class images generated from the class prompt before the
// training, sample images from the trained model after it. Both call the inference API.




/***/ })

};
