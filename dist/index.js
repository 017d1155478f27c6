import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
/******/ var __webpack_modules__ = ({

/***/ 3206:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  i_: () => (/* reexport */ CLASS_FOLDER),
  Tn: () => (/* reexport */ DEFAULT_RESOLUTION),
  c2: () => (/* reexport */ DatasetZip),
  $F: () => (/* reexport */ checkDataset),
  yu: () => (/* reexport */ scanDataset)
});

// UNUSED EXPORTS: DatasetError, compareNames, contentFingerprint

;// CONCATENATED MODULE: ./src/dataset/types.ts
/** Largest image accepted; far above any photo a trainer crops to 512-1024 px. */
const MAX_IMAGE_BYTES = 50 * 1024 * 1024;
/** Largest total of the images in one zip. */
const MAX_ZIP_BYTES = 5 * 1024 * 1024 * 1024;
/** The zip's folder for class images. */
const CLASS_FOLDER = 'dataset_class';
/** The training resolution when the `resolution` input is not set. */
const DEFAULT_RESOLUTION = 512;
const MIN_INSTANCE_IMAGES = 3;
const MAX_INSTANCE_IMAGES = 50;
/** A dataset that cannot be zipped; the message starts with the input to fix. */
class DatasetError extends Error {
    input;
    constructor(input, message) {
        super(`${input}: ${message}`);
        this.input = input;
        this.name = 'DatasetError';
    }
}
/** Code-unit order: the same on every machine, unlike localeCompare. */
function compareNames(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
}
/**
 * Which file, and which version of it: device, inode, size and modification time (ns). A file
 * replaced, grown, shrunk or rewritten since gets another stamp.
 */
function fileStamp(stats) {
    return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}`;
}

// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __nccwpck_require__(51455);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __nccwpck_require__(76760);
// EXTERNAL MODULE: ./src/shared/builtins.ts
var builtins = __nccwpck_require__(23613);
// EXTERNAL MODULE: ./src/shared/image-info.ts
var image_info = __nccwpck_require__(99141);
// EXTERNAL MODULE: ./src/shared/errors.ts
var errors = __nccwpck_require__(58382);
;// CONCATENATED MODULE: ./src/dataset/buffer-pool.ts
class BufferPool {
    #free;
    #ready = [];
    #ended = false;
    /** why the pool stopped early: the filler failed, or the reader left */
    #stopped;
    #wakeFiller;
    #wakeReader;
    constructor(count, bytes) {
        this.#free = Array.from({ length: count }, () => Buffer.allocUnsafe(bytes));
    }
    get stopped() {
        return this.#stopped !== undefined;
    }
    /** A buffer to fill; waits until the reader gives one back. Throws once the pool stopped. */
    async take() {
        for (;;) {
            if (this.#stopped)
                throw this.#stopped.reason;
            const buffer = this.#free.pop();
            if (buffer)
                return buffer;
            await new Promise((resolve) => (this.#wakeFiller = resolve));
        }
    }
    /** Hands a filled buffer to the reader; `last` ends the data after it. */
    push(chunk, last = false) {
        if (this.#stopped)
            throw this.#stopped.reason;
        this.#ready.push(chunk);
        if (last)
            this.#ended = true;
        this.#wake();
    }
    /** Stops both sides: the filler's next take() and the reader's next step throw `reason`. */
    stop(reason) {
        this.#stopped ??= { reason };
        this.#wake();
    }
    async *[Symbol.asyncIterator]() {
        let given;
        try {
            for (;;) {
                // the reader asked for the next chunk: it is done with the one before
                if (given)
                    this.#free.push(given);
                given = undefined;
                this.#wake();
                const chunk = await this.#next();
                if (!chunk)
                    return;
                given = chunk.buffer;
                yield chunk.length === chunk.buffer.length ? chunk.buffer : chunk.buffer.subarray(0, chunk.length);
            }
        }
        finally {
            // a reader that leaves before the end (an aborted request) stops the filler too
            if (!this.#ended || this.#ready.length > 0)
                this.stop(new Error('the reader stopped before the end'));
        }
    }
    async #next() {
        for (;;) {
            // a failure goes first: not one more byte once the data is known to be wrong
            if (this.#stopped)
                throw this.#stopped.reason;
            const chunk = this.#ready.shift();
            if (chunk)
                return chunk;
            if (this.#ended)
                return undefined;
            await new Promise((resolve) => (this.#wakeReader = resolve));
        }
    }
    #wake() {
        const filler = this.#wakeFiller;
        const reader = this.#wakeReader;
        this.#wakeFiller = this.#wakeReader = undefined;
        filler?.();
        reader?.();
    }
}

;// CONCATENATED MODULE: ./src/dataset/zip-format.ts
// The zip format (PKWARE's APPNOTE.TXT), STORE only: the records around each entry's data, the
// central directory, and the zip's length computed from the entries' names and sizes alone, so
// that an upload can announce its Content-Length before the first byte is read.
//
// The bytes are those archiver (zip-stream) writes for the same entries: a data descriptor after
// each entry, fixed date and mode, no extra fields, ZIP64 records only where an offset, the
// central directory or the entry count passes the 32- or 16-bit limits.
/** Every entry's timestamp: the earliest a DOS date can hold, in UTC. */
const ZIP_ENTRY_DATE = new Date(Date.UTC(1980, 0, 1, 0, 0, 0));
/** Every entry's Unix mode (rw-r--r--), whatever the source file's mode. */
const ZIP_ENTRY_MODE = 0o644;
const LOCAL_HEADER = 0x04034b50;
const DATA_DESCRIPTOR = 0x08074b50;
const CENTRAL_HEADER = 0x02014b50;
const ZIP64_END = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const ZIP64_EXTRA = 0x0001;
/** A 32-bit field whose value is in a ZIP64 record instead. */
const ZIP64_MAGIC = 0xffffffff;
const ZIP64_MAGIC_SHORT = 0xffff;
/** 2.0: a data descriptor follows the data; 4.5: ZIP64. */
const VERSION_DATA_DESCRIPTOR = 20;
const VERSION_ZIP64 = 45;
/** Unix (3) in the high byte, 4.5 in the low one. */
const VERSION_MADE_BY = (3 << 8) | VERSION_ZIP64;
/** Bit 3: CRC-32 and sizes are in the data descriptor; bit 11: the name is UTF-8. */
const FLAG_DATA_DESCRIPTOR = 0x0008;
const FLAG_UTF8 = 0x0800;
/** ZIP_ENTRY_DATE as DOS time (00:00:00) and date (1980-01-01). */
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
/** A regular file with ZIP_ENTRY_MODE in the high 16 bits, the DOS archive bit in the low ones. */
const EXTERNAL_ATTRIBUTES = (((0o100000 | ZIP_ENTRY_MODE) << 16) | 0x20) >>> 0;
const LOCAL_HEADER_BYTES = 30;
const DATA_DESCRIPTOR_BYTES = 16;
const CENTRAL_HEADER_BYTES = 46;
/** the ZIP64 extra field of a central header: tag, size, then three 64-bit values */
const ZIP64_EXTRA_BYTES = 4 + 24;
/** the ZIP64 end of central directory record (56) and its locator (20) */
const ZIP64_END_BYTES = 56 + 20;
const END_BYTES = 22;
/** An entry's name as written, and its flags: as zip-stream, the UTF-8 flag only when the name is not plain ASCII. */
function entryName(name) {
    const bytes = Buffer.from(name, 'utf8');
    return { name: bytes, flags: FLAG_DATA_DESCRIPTOR | (bytes.length === name.length ? 0 : FLAG_UTF8) };
}
/** Bytes of the local header, data and data descriptor of an entry. */
function entryLength({ name, bytes }) {
    return LOCAL_HEADER_BYTES + name.length + bytes + DATA_DESCRIPTOR_BYTES;
}
/** The bytes the zip of these entries takes, ZIP64 records included: what centralDirectory() and the entries add up to. */
function zipLength(entries) {
    let offset = 0;
    let centralBytes = 0;
    for (const entry of entries) {
        centralBytes += CENTRAL_HEADER_BYTES + entry.name.length + (offset > ZIP64_MAGIC ? ZIP64_EXTRA_BYTES : 0);
        offset += entryLength(entry);
    }
    const zip64 = needsZip64(entries.length, centralBytes, offset);
    return offset + centralBytes + (zip64 ? ZIP64_END_BYTES : 0) + END_BYTES;
}
function needsZip64(count, centralBytes, centralOffset) {
    return count > ZIP64_MAGIC_SHORT || centralBytes > ZIP64_MAGIC || centralOffset > ZIP64_MAGIC;
}
function localHeader(name, flags) {
    const header = Buffer.alloc(LOCAL_HEADER_BYTES + name.length);
    header.writeUInt32LE(LOCAL_HEADER, 0);
    header.writeUInt16LE(VERSION_DATA_DESCRIPTOR, 4);
    header.writeUInt16LE(flags, 6);
    // method 0 (STORE) at 8
    header.writeUInt16LE(DOS_TIME, 10);
    header.writeUInt16LE(DOS_DATE, 12);
    // CRC-32 and sizes (14-25) stay 0: the data descriptor gives them
    header.writeUInt16LE(name.length, 26);
    // extra field length 0 at 28
    name.copy(header, 30);
    return header;
}
function dataDescriptor(crc, bytes) {
    const descriptor = Buffer.alloc(DATA_DESCRIPTOR_BYTES);
    descriptor.writeUInt32LE(DATA_DESCRIPTOR, 0);
    descriptor.writeUInt32LE(crc, 4);
    descriptor.writeUInt32LE(bytes, 8);
    descriptor.writeUInt32LE(bytes, 12);
    return descriptor;
}
/**
 * The central directory that starts at `centralOffset`, then the ZIP64 end record and locator
 * when needed, then the end of central directory record.
 */
function centralDirectory(records, centralOffset) {
    const headers = records.map(centralHeader);
    const centralBytes = headers.reduce((sum, header) => sum + header.length, 0);
    const count = records.length;
    const zip64 = needsZip64(count, centralBytes, centralOffset);
    const parts = [...headers];
    if (zip64) {
        const end64 = Buffer.alloc(ZIP64_END_BYTES);
        end64.writeUInt32LE(ZIP64_END, 0);
        end64.writeBigUInt64LE(44n, 4); // the size of the rest of this record
        end64.writeUInt16LE(VERSION_ZIP64, 12);
        end64.writeUInt16LE(VERSION_ZIP64, 14);
        // disk numbers (16-23) are 0
        end64.writeBigUInt64LE(BigInt(count), 24);
        end64.writeBigUInt64LE(BigInt(count), 32);
        end64.writeBigUInt64LE(BigInt(centralBytes), 40);
        end64.writeBigUInt64LE(BigInt(centralOffset), 48);
        end64.writeUInt32LE(ZIP64_LOCATOR, 56);
        // the disk of the ZIP64 end record (60-63) is 0
        end64.writeBigUInt64LE(BigInt(centralOffset + centralBytes), 64);
        end64.writeUInt32LE(1, 72); // disks in all
        parts.push(end64);
    }
    const end = Buffer.alloc(END_BYTES);
    end.writeUInt32LE(END_OF_CENTRAL_DIRECTORY, 0);
    // disk numbers (4-7) are 0
    end.writeUInt16LE(zip64 ? ZIP64_MAGIC_SHORT : count, 8);
    end.writeUInt16LE(zip64 ? ZIP64_MAGIC_SHORT : count, 10);
    end.writeUInt32LE(zip64 ? ZIP64_MAGIC : centralBytes, 12);
    end.writeUInt32LE(zip64 ? ZIP64_MAGIC : centralOffset, 16);
    // comment length 0 at 20
    parts.push(end);
    return Buffer.concat(parts);
}
/** One entry's central header; a ZIP64 extra field only when its offset needs one. */
function centralHeader({ name, flags, crc, bytes, offset }) {
    const zip64 = offset > ZIP64_MAGIC;
    const extraBytes = zip64 ? ZIP64_EXTRA_BYTES : 0;
    const header = Buffer.alloc(CENTRAL_HEADER_BYTES + name.length + extraBytes);
    header.writeUInt32LE(CENTRAL_HEADER, 0);
    header.writeUInt16LE(VERSION_MADE_BY, 4);
    header.writeUInt16LE(zip64 ? VERSION_ZIP64 : VERSION_DATA_DESCRIPTOR, 6);
    header.writeUInt16LE(flags, 8);
    // method 0 (STORE) at 10
    header.writeUInt16LE(DOS_TIME, 12);
    header.writeUInt16LE(DOS_DATE, 14);
    header.writeUInt32LE(crc, 16);
    header.writeUInt32LE(zip64 ? ZIP64_MAGIC : bytes, 20);
    header.writeUInt32LE(zip64 ? ZIP64_MAGIC : bytes, 24);
    header.writeUInt16LE(name.length, 28);
    header.writeUInt16LE(extraBytes, 30);
    // comment length, disk number and internal attributes (32-37) are 0
    header.writeUInt32LE(EXTERNAL_ATTRIBUTES, 38);
    header.writeUInt32LE(zip64 ? ZIP64_MAGIC : offset, 42);
    name.copy(header, 46);
    if (zip64) {
        // as zip-stream: size, compressed size and offset, all three
        const at = 46 + name.length;
        header.writeUInt16LE(ZIP64_EXTRA, at);
        header.writeUInt16LE(24, at + 2);
        header.writeBigUInt64LE(BigInt(bytes), at + 4);
        header.writeBigUInt64LE(BigInt(bytes), at + 12);
        header.writeBigUInt64LE(BigInt(offset), at + 20);
    }
    return header;
}

;// CONCATENATED MODULE: ./src/dataset/zip-writer.ts
// One pass that writes a STORE zip (zip-format.ts) from files on disk into a few reused buffers
// (buffer-pool.ts): each file is read straight into the buffer that goes out next, its CRC-32
// taken on the way (the zip needs it), every buffer hashed (sha256) and, when a copy is kept,
// written to that file before the reader gets it. The reader is the upload's body or a loop that
// only drains; either way memory stays the same whatever the sizes, and the filling runs ahead
// of the reader by the pool's other buffers, so reading the disk overlaps sending.
//
// Ours, not archiver's, for that single pass: archiver gives no length before its last byte, so
// the upload needed the zip on disk and a second read (bench/RESULTS.md, 2026-11-24: 1.13 times
// `zip -0` + `curl -T` on 100 MiB); in one pass 0.68 on 100 MiB and 0.63 on 1 GiB (bench/RESULTS.md,
// 2026-11-30, with the start-up cut down).
// Its bytes are archiver's for the same entries (__tests__/unit/zip-writer.test.ts).
//
// The files were checked before (scan.ts). A file that is not what was checked any more — its
// stamp (device, inode, size, time) differs, it is no longer a regular file, it ends early or
// goes on, or its CRC-32 differs from an earlier pass — stops the pass with an error naming it
// before the zip's last byte is out, so an upload of a changed zip never completes. A file is
// looked at (stat) before it is opened: a FIFO or a device that took an image's place is never
// opened (that alone can block, or act: a tape rewinds, a FIFO's writer goes on). One that slips
// in between the look and the open is opened with O_NONBLOCK and refused by fstat before any read.









/** Buffers of a pass: one being read into, the others on their way out. */
const POOL_BUFFERS = 3;
/**
 * Big enough that a read or a write costs little per byte, and well above a socket's
 * high-water mark (64 KiB), which buffer-pool.ts relies on.
 */
const CHUNK_BYTES = 1024 * 1024;
/** The size of the zip of these files, before any is read. */
function zipBytes(sources) {
    return zipLength(sources.map((source) => ({ name: entryName(source.name).name, bytes: source.bytes })));
}
/** One pass: read it once (for await), then `result` has its size and sha256. */
class ZipPass {
    sources;
    options;
    /** the zip's size, known before the first byte: the upload's Content-Length */
    bytes;
    result;
    #pool = new BufferPool(POOL_BUFFERS, CHUNK_BYTES);
    #digest = (0,builtins/* nodeCrypto */.SI)().createHash('sha256');
    #copy;
    /** the buffer being filled and how much of it is */
    #current;
    #failure;
    #filled = 0;
    /** bytes of the zip made so far: the next entry's offset */
    #offset = 0;
    constructor(sources, options) {
        this.sources = sources;
        this.options = options;
        this.bytes = zipBytes(sources);
        const onAbort = () => this.cancel(options.signal?.reason);
        options.signal?.addEventListener('abort', onAbort, { once: true });
        this.result = this.#run().finally(() => options.signal?.removeEventListener('abort', onAbort));
        this.result.catch(() => undefined); // the reader meets the failure too; whoever awaits result gets it
    }
    [Symbol.asyncIterator]() {
        return this.#pool[Symbol.asyncIterator]();
    }
    /** Why the pass failed on its own side (a file changed, the copy could not be written), if it did. */
    get failure() {
        return this.#failure;
    }
    /** Stops the pass (a no-op once it ended): its reader and `result` fail with `reason`. */
    cancel(reason = new Error('the zip was cancelled')) {
        this.#pool.stop(reason);
    }
    async #run() {
        try {
            if (this.options.signal?.aborted)
                throw this.options.signal.reason;
            if (this.options.copyTo) {
                await (0,promises_.mkdir)((0,external_node_path_.dirname)(this.options.copyTo), { recursive: true });
                this.#copy = await (0,promises_.open)(this.options.copyTo, 'w');
            }
            const records = [];
            for (const [index, source] of this.sources.entries()) {
                const { name, flags } = entryName(source.name);
                const offset = this.#offset;
                await this.#put(localHeader(name, flags));
                const crc = await this.#putFile(source, this.options.crcs[index]);
                this.options.crcs[index] = crc;
                await this.#put(dataDescriptor(crc, source.bytes));
                records.push({ name, flags, crc, bytes: source.bytes, offset });
            }
            await this.#put(centralDirectory(records, this.#offset));
            // every size was checked, so this holds; were it not, the last bytes would not go out
            if (this.#offset !== this.bytes)
                throw new Error(`the zip came to ${this.#offset} bytes, not ${this.bytes}`);
            await this.#emit(true);
            await this.#copy?.close();
            return { bytes: this.#offset, sha256: this.#digest.digest('hex') };
        }
        catch (error) {
            // failed on its own (not stopped by the reader or a cancel): the reason to report
            if (!this.#pool.stopped)
                this.#failure = error;
            this.#pool.stop(error);
            await this.#copy?.close().catch(() => undefined);
            if (this.options.copyTo)
                await (0,promises_.rm)(this.options.copyTo, { force: true }).catch(() => undefined);
            throw error;
        }
    }
    /** Copies bytes into the buffers, handing each full one on. */
    async #put(bytes) {
        for (let at = 0; at < bytes.length;) {
            const buffer = (this.#current ??= await this.#pool.take());
            const copied = bytes.copy(buffer, this.#filled, at);
            at += copied;
            await this.#advance(copied);
        }
    }
    /** Reads the file straight into the buffers; its CRC-32. */
    async #putFile(source, earlierCrc) {
        const changed = (reason) => this.options.changed(source, reason);
        const file = await openChecked(source, changed);
        let crc = 0;
        try {
            for (let position = 0; position < source.bytes;) {
                const buffer = (this.#current ??= await this.#pool.take());
                const room = Math.min(buffer.length - this.#filled, source.bytes - position);
                const { bytesRead } = await file.read(buffer, this.#filled, room, position);
                if (bytesRead === 0)
                    throw changed(`it ends after ${position} bytes, not the ${source.bytes} checked`);
                crc = (0,builtins/* nodeZlib */.eq)().crc32(buffer.subarray(this.#filled, this.#filled + bytesRead), crc);
                position += bytesRead;
                await this.#advance(bytesRead);
            }
            // written to while it was read: grown, shrunk, or its time moved
            const reason = difference(source, fileStamp(await file.stat({ bigint: true })));
            if (reason)
                throw changed(reason);
        }
        finally {
            await file.close();
        }
        if (earlierCrc !== undefined && crc !== earlierCrc) {
            throw changed('its content differs from the zip made before (another CRC-32)');
        }
        return crc;
    }
    async #advance(bytes) {
        this.#filled += bytes;
        this.#offset += bytes;
        if (this.#filled === CHUNK_BYTES)
            await this.#emit(false);
    }
    /** Hashes the buffer, copies it to the file, and hands it to the reader. */
    async #emit(last) {
        const buffer = this.#current ?? Buffer.alloc(0);
        const length = this.#filled;
        this.#current = undefined;
        this.#filled = 0;
        const data = length === buffer.length ? buffer : buffer.subarray(0, length);
        this.#digest.update(data);
        if (this.#copy) {
            for (let done = 0; done < length;)
                done += (await this.#copy.write(data, done)).bytesWritten;
        }
        this.#pool.push({ buffer, length }, last);
    }
}
const NOT_A_FILE = 'it is not a regular file any more (a FIFO, a device or a folder took its place)';
/** Opens a file only when it is a regular file, without waiting, and refuses it unless it is as checked. */
async function openChecked(source, changed) {
    let file;
    try {
        if ((await (0,promises_.stat)(source.path)).isFile())
            file = await (0,promises_.open)(source.path, image_info/* OPEN_WITHOUT_WAITING */.Um);
    }
    catch (error) {
        throw changed(`it cannot be opened (${(0,errors/* errorCode */.C)(error) ?? String(error)})`);
    }
    if (!file)
        throw changed(NOT_A_FILE);
    try {
        const stats = await file.stat({ bigint: true });
        if (!stats.isFile())
            throw changed(NOT_A_FILE);
        const reason = difference(source, fileStamp(stats));
        if (reason)
            throw changed(reason);
        return file;
    }
    catch (error) {
        await file.close();
        throw error;
    }
}
/** What changed between the stamp checked and this one; undefined when nothing did. */
function difference(source, stamp) {
    if (stamp === source.stamp)
        return undefined;
    const [dev, ino, size, mtime] = source.stamp.split(':');
    const [nowDev, nowIno, nowSize, nowMtime] = stamp.split(':');
    if (dev !== nowDev || ino !== nowIno)
        return 'another file took its place';
    if (size !== nowSize)
        return `it is ${nowSize} bytes now, not the ${size} checked`;
    return mtime === nowMtime ? 'its stamp differs' : 'it was written to';
}

;// CONCATENATED MODULE: ./src/dataset/archive.ts
// The dataset as the seed's zip, made on demand in one pass (zip-writer.ts) as often as it is
// needed: into the upload's body, into a file, or only through the hash. Every pass gives the
// same bytes, or fails naming the image that is not what was checked; a copy on disk is written
// on the first pass that asks for one, so the zip is on disk only when a run needs it there.
// The same images give the same bytes on every run and machine: fixed entry order, fixed date,
// fixed mode, STORE for every entry (images are compressed already), no extra fields (ZIP64
// ones only when offsets pass 4 GiB, which depends on the content alone).



class DatasetZip {
    options;
    /** the zip's size: every pass gives this many bytes */
    bytes;
    #images;
    #sources;
    /** each image's CRC-32 once a pass read it: later passes must find the same */
    #crcs;
    /** the result of the last pass that ended */
    #made;
    #kept = false;
    constructor(dataset, options = {}) {
        this.options = options;
        this.#images = zipOrder(dataset);
        this.#sources = this.#images.map((image) => ({
            name: image.entryName,
            path: image.sourcePath,
            bytes: image.bytes,
            stamp: image.stamp
        }));
        this.#crcs = this.#images.map(() => undefined);
        this.bytes = zipBytes(this.#sources);
    }
    /** A fresh pass from the image files. */
    pass() {
        const copyTo = this.#kept ? undefined : this.options.keepAt;
        const zip = new ZipPass(this.#sources, {
            crcs: this.#crcs,
            copyTo,
            signal: this.options.signal,
            changed: (source, reason) => this.#changed(source, reason)
        });
        const result = zip.result.then(({ bytes, sha256 }) => this.#settle(bytes, sha256, copyTo !== undefined));
        result.catch(() => undefined); // the reader meets the failure too
        return {
            bytes: zip.bytes,
            result,
            get failure() {
                return zip.failure;
            },
            cancel: (reason) => zip.cancel(reason),
            [Symbol.asyncIterator]: () => zip[Symbol.asyncIterator]()
        };
    }
    /** A pass that nobody else reads: for the copy on disk, or for the sha256 alone. */
    async build() {
        const pass = this.pass();
        try {
            for await (const _chunk of pass) {
                // the pass hashes and copies; the chunks themselves are not needed here
            }
        }
        catch (error) {
            await pass.result.catch(() => undefined); // its copy is removed before the caller hears of it
            throw error;
        }
        return pass.result;
    }
    /** What the last pass that ended made (the same bytes every time); undefined until one did. */
    get made() {
        return this.#made;
    }
    #settle(bytes, sha256, copied) {
        // every image's CRC-32 was compared already; this is the last word that the bytes are the same
        if (this.#made && this.#made.sha256 !== sha256) {
            throw new Error(`the zip's sha256 is ${sha256} now, not the ${this.#made.sha256} made before`);
        }
        if (copied)
            this.#kept = true;
        const entries = this.#images.map((image, index) => ({
            name: image.entryName,
            fingerprint: contentFingerprint(image.bytes, this.#crcs[index] ?? 0),
            bytes: image.bytes
        }));
        this.#made = { path: this.#kept ? (this.options.keepAt ?? '') : '', bytes, sha256, entries };
        return this.#made;
    }
    #changed(source, reason) {
        const image = this.#images[this.#sources.indexOf(source)];
        const input = image.kind === 'instance' ? 'instance-images' : 'class-images';
        return new DatasetError(input, `${image.sourcePath} changed after it was checked: ${reason}. The zip would not be what was checked; run again once the folder stays as it is.`);
    }
}
/** Writes the zip to `outputPath` in one pass; its size, sha256 and entries. */
async function buildArchive(dataset, { outputPath }) {
    return new DatasetZip(dataset, { keepAt: outputPath }).build();
}
function contentFingerprint(bytes, crc32) {
    return `${bytes}-${crc32.toString(16).padStart(8, '0')}`;
}
/** Instance images by name, then class images by name: the order is part of the zip's bytes. */
function zipOrder(dataset) {
    const byName = (a, b) => compareNames(a.entryName, b.entryName);
    const images = [...[...dataset.instance].sort(byName), ...[...dataset.class].sort(byName)];
    const seen = new Map();
    for (const image of images) {
        const key = image.entryName.toLowerCase();
        const earlier = seen.get(key);
        if (earlier !== undefined)
            throw new Error(`${earlier} and ${image.entryName} would be one entry in the zip`);
        seen.set(key, image.entryName);
        if (image.bytes >= ZIP64_MAGIC)
            throw new Error(`${image.sourcePath} is 4 GiB or more, too large for one entry`);
    }
    return images;
}

;// CONCATENATED MODULE: ./src/dataset/checks.ts
// Warnings that do not stop the run but may save a paid training: too few or too many instance
// images, images smaller than the training resolution, the same picture twice.

/**
 * Warnings that do not stop the run. Duplicates are found from the hashes the archive step
 * took; without `archive` (undefined) they are not looked for.
 */
function checkDataset(dataset, archive, { resolution = DEFAULT_RESOLUTION } = {}) {
    const duplicates = archive === undefined ? [] : duplicateWarnings(dataset, archive);
    return [...countWarnings(dataset), ...sizeWarnings(dataset, resolution), ...duplicates];
}
function countWarnings(dataset) {
    const count = dataset.instance.length;
    if (count < MIN_INSTANCE_IMAGES) {
        return [
            {
                message: `only ${count} instance image${count === 1 ? '' : 's'}: DreamBooth needs ${MIN_INSTANCE_IMAGES} to ${MAX_INSTANCE_IMAGES} to learn a subject`
            }
        ];
    }
    if (count > MAX_INSTANCE_IMAGES) {
        return [{ message: `${count} instance images: more than ${MAX_INSTANCE_IMAGES} add training time for little gain` }];
    }
    return [];
}
function sizeWarnings(dataset, resolution) {
    const warnings = [];
    for (const image of allImages(dataset)) {
        if (image.width === undefined || image.height === undefined) {
            warnings.push({
                message: `${describe(image)}: its pixel size could not be read from the header`,
                file: image.sourcePath
            });
        }
        else if (Math.min(image.width, image.height) < resolution) {
            warnings.push({
                message: `${describe(image)} is ${image.width}x${image.height}: its short side is below the training resolution of ${resolution} px, so it will be scaled up`,
                file: image.sourcePath
            });
        }
    }
    return warnings;
}
/** One warning per image whose content an earlier one (instance first, then class) has. */
function duplicateWarnings(dataset, archive) {
    const hashByName = new Map(archive.entries.map((entry) => [entry.name, entry.fingerprint]));
    const firstByHash = new Map();
    const warnings = [];
    for (const image of allImages(dataset)) {
        const hash = hashByName.get(image.entryName);
        if (hash === undefined)
            continue;
        const first = firstByHash.get(hash);
        if (first === undefined)
            firstByHash.set(hash, image);
        else
            warnings.push({
                message: `${describe(image)} has the same content as ${describe(first)}`,
                file: image.sourcePath
            });
    }
    return warnings;
}
function allImages(dataset) {
    return [...dataset.instance, ...dataset.class];
}
function describe(image) {
    return image.kind === 'instance' ? image.relPath : `${image.relPath} (class-images)`;
}

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __nccwpck_require__(73024);
;// CONCATENATED MODULE: external "node:timers/promises"
const external_node_timers_promises_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:timers/promises");
// EXTERNAL MODULE: ./src/shared/format.ts
var format = __nccwpck_require__(36338);
;// CONCATENATED MODULE: ./src/dataset/scan.ts
// Finds the images that go into the zip and checks them, before anything is uploaded.
// The scan reads only each file's header (image-info.ts); the archive step reads each file
// once in full and reports each entry's fingerprint (size and CRC-32), which `checkDataset`
// takes for its duplicate check, so no file is read a second time. Each image's stamp (device,
// inode, size, time) is kept, so the zip can refuse a file that changed after its check.
//
// Layout (the seed's): instance images at the zip's root, class images under dataset_class/.
// Sub-folders are flattened, so the entry name is the file's own name; two files that would
// get the same name (also when only the case differs) are an error, never an overwrite.
// Hidden files and folders (name starting with '.') are skipped; so is the class folder when
// it lies inside the instance folder (and the other way round), so no image is in the zip twice.
//
// The file system is asked synchronously, a slice of files at a time with the event loop let run
// between slices (a signal is heard within a slice): the calls cost less than the round trip of
// an asynchronous one through libuv's threads. With the smaller first read of image-info.ts, the
// bench datasets (2026-11-30, medians of 5): 119 images 65 → 20 ms (CPU 89 → 24 ms), 1,350
// images about 480 → 106 ms (CPU 700 → 145 ms); the same reads asynchronously took 40 and 207 ms.







/** Problems listed in one error message before "and N more". */
const MAX_LISTED_PROBLEMS = 20;
/** Files looked at before the event loop is let run. */
const SLICE_FILES = 32;
async function scanDataset({ instanceDir, classDir }) {
    const instanceRoot = resolveFolder(instanceDir, 'instance-images');
    if (instanceRoot === undefined)
        throw new DatasetError('instance-images', `folder not found: ${instanceDir}`);
    const classRoot = classDir === undefined ? undefined : resolveFolder(classDir, 'class-images');
    if (classRoot === instanceRoot) {
        throw new DatasetError('class-images', `is the same folder as instance-images (${instanceDir})`);
    }
    // The vendor template's layout keeps class images in <instance>/dataset_class: flattened into
    // the instance images they would train the wrong concept, so ask for them as class-images.
    const nestedClassDir = (0,external_node_path_.join)(instanceDir, CLASS_FOLDER);
    let nestedClassRoot;
    try {
        nestedClassRoot = resolveFolder(nestedClassDir, 'instance-images');
    }
    catch {
        // unreadable: not taken for class images
    }
    if (nestedClassRoot !== undefined && nestedClassRoot !== classRoot) {
        throw new DatasetError('instance-images', `${nestedClassDir} looks like class images in the zip's layout; give it as class-images (class-images: ${nestedClassDir}) so its images go to dataset_class/ and not among the instance images`);
    }
    // when one folder holds the other, the inner one's images belong to the inner one only
    const instanceImages = await scanFolder(instanceDir, instanceRoot, 'instance', classRoot);
    if (instanceImages.length === 0) {
        throw new DatasetError('instance-images', `no JPEG, PNG or WebP image in ${instanceDir}`);
    }
    const classImages = classDir === undefined || classRoot === undefined
        ? []
        : await scanFolder(classDir, classRoot, 'class', instanceRoot);
    const instanceBytes = sumBytes(instanceImages);
    const classBytes = sumBytes(classImages);
    const totalBytes = instanceBytes + classBytes;
    if (totalBytes > MAX_ZIP_BYTES) {
        const input = instanceBytes > MAX_ZIP_BYTES ? 'instance-images' : 'class-images';
        throw new DatasetError(input, `the images come to ${(0,format/* formatBytes */.z3)(totalBytes)} (instance-images ${(0,format/* formatBytes */.z3)(instanceBytes)}, ` +
            `class-images ${(0,format/* formatBytes */.z3)(classBytes)}), more than the ${(0,format/* formatBytes */.z3)(MAX_ZIP_BYTES)} allowed in one zip`);
    }
    return { instanceDir, classDir, instance: instanceImages, class: classImages, totalBytes };
}
/** The folder's real path; undefined when it does not exist. */
function resolveFolder(dir, input) {
    let real;
    try {
        real = external_node_fs_.realpathSync.native(dir);
    }
    catch (error) {
        if ((0,errors/* errorCode */.C)(error) === 'ENOENT')
            return undefined;
        throw new DatasetError(input, `cannot open ${dir}: ${(0,errors/* errorCode */.C)(error) ?? String(error)}`);
    }
    if (!(0,external_node_fs_.statSync)(real).isDirectory())
        throw new DatasetError(input, `not a folder: ${dir}`);
    return real;
}
async function scanFolder(dir, root, kind, otherRoot) {
    const input = kind === 'instance' ? 'instance-images' : 'class-images';
    const { files, problems } = await listFiles(root, otherRoot);
    const images = [];
    for (const [index, file] of files.entries()) {
        if (index > 0 && index % SLICE_FILES === 0)
            await (0,external_node_timers_promises_namespaceObject.setImmediate)();
        const result = inspectFile(file, dir, kind);
        if ('reason' in result)
            problems.push(result);
        else
            images.push(result);
    }
    problems.push(...nameClashes(images));
    if (problems.length > 0)
        throw new DatasetError(input, describeProblems(dir, problems));
    return images.sort((a, b) => compareNames(a.entryName, b.entryName));
}
/** Walks the folder depth-first in name order; links are followed when they stay inside. */
async function listFiles(root, skip) {
    const files = [];
    const problems = [];
    const visited = new Set();
    async function visit(realDir, relDir) {
        await (0,external_node_timers_promises_namespaceObject.setImmediate)(); // a folder at a time
        if (visited.has(realDir) || realDir === skip)
            return; // a loop, a second link, or the other input's folder
        visited.add(realDir);
        let entries;
        try {
            // names as bytes: a name that is not UTF-8 would otherwise come back with U+FFFD in it
            entries = (0,external_node_fs_.readdirSync)(realDir, { withFileTypes: true, encoding: 'buffer' });
        }
        catch (error) {
            problems.push({ paths: [relDir || '.'], reason: `cannot read the folder (${(0,errors/* errorCode */.C)(error) ?? String(error)})` });
            return;
        }
        const named = entries.map((entry) => ({ entry, name: decodeName(entry.name) }));
        const shown = named.filter(({ name }) => !(name ?? '').startsWith('.'));
        for (const { entry, name } of shown) {
            if (name === undefined) {
                const shownName = entry.name.toString('utf8');
                const path = relDir === '' ? shownName : `${relDir}/${shownName}`;
                const bytes = entry.name.toString('hex').replace(/../g, '\\x$&');
                problems.push({ paths: [path], reason: `the name is not valid UTF-8 (bytes ${bytes}): rename the file` });
            }
        }
        const valid = shown.flatMap(({ entry, name }) => (name === undefined ? [] : [{ entry, name }]));
        for (const { entry, name } of valid.sort((a, b) => compareNames(a.name, b.name))) {
            const relPath = relDir === '' ? name : `${relDir}/${name}`;
            const target = resolveEntry(root, realDir, entry, name);
            if ('reason' in target)
                problems.push({ paths: [relPath], reason: target.reason });
            else if (target.type === 'dir')
                await visit(target.path, relPath);
            else if (target.type === 'file')
                files.push({ path: target.path, relPath, name });
            else
                problems.push({ paths: [relPath], reason: 'not a regular file' });
        }
    }
    await visit(root, '');
    return { files, problems };
}
const UTF8 = new TextDecoder('utf-8', { fatal: true });
/** The name as text; undefined when its bytes are not UTF-8 (no zip entry could name it). */
function decodeName(bytes) {
    try {
        return UTF8.decode(bytes);
    }
    catch {
        return undefined;
    }
}
function resolveEntry(root, realDir, entry, name) {
    const path = (0,external_node_path_.join)(realDir, name);
    if (!entry.isSymbolicLink()) {
        return { path, type: entry.isDirectory() ? 'dir' : entry.isFile() ? 'file' : 'other' };
    }
    let target;
    try {
        target = external_node_fs_.realpathSync.native(path);
    }
    catch {
        return { reason: 'broken symbolic link' };
    }
    if (!isInside(root, target))
        return { reason: `symbolic link to ${target}, outside the folder` };
    const stats = (0,external_node_fs_.statSync)(target);
    return { path: target, type: stats.isDirectory() ? 'dir' : stats.isFile() ? 'file' : 'other' };
}
function isInside(root, path) {
    const rel = (0,external_node_path_.relative)(root, path);
    return rel === '' || (rel.split(external_node_path_.sep)[0] !== '..' && !(0,external_node_path_.isAbsolute)(rel));
}
// Characters that the zip writer would turn into folders or drop (\ and a drive-like "x:"),
// or that a Windows trainer could not extract.
const UNPORTABLE_NAME = /[\\:*?"<>|\u0000-\u001f\u007f]/;
function inspectFile(file, dir, kind) {
    const problem = (reason) => ({ paths: [file.relPath], reason });
    if (UNPORTABLE_NAME.test(file.name)) {
        return problem('the name has a character a zip entry cannot keep (\\ : * ? " < > | or a control character)');
    }
    if (kind === 'instance' && file.name.toLowerCase() === CLASS_FOLDER) {
        return problem(`the name is taken by the zip's ${CLASS_FOLDER}/ folder`);
    }
    let bytes;
    let stamp;
    let info;
    let fd;
    try {
        fd = (0,external_node_fs_.openSync)(file.path, image_info/* OPEN_WITHOUT_WAITING */.Um);
        // the file opened, not the name: what is read is what is stamped
        const stats = (0,external_node_fs_.fstatSync)(fd, { bigint: true });
        if (!stats.isFile())
            return problem('not a regular file');
        bytes = Number(stats.size);
        stamp = fileStamp(stats);
        info = (0,image_info/* readImageInfoOf */.$E)(fd);
    }
    catch (error) {
        return problem(`cannot read it (${(0,errors/* errorCode */.C)(error) ?? String(error)})`);
    }
    finally {
        if (fd !== undefined)
            (0,external_node_fs_.closeSync)(fd);
    }
    if (info === undefined)
        return problem('not a JPEG, PNG or WebP image');
    if (bytes > MAX_IMAGE_BYTES) {
        return problem(`${(0,format/* formatBytes */.z3)(bytes)}, more than the ${(0,format/* formatBytes */.z3)(MAX_IMAGE_BYTES)} allowed for one image`);
    }
    return {
        kind,
        sourcePath: (0,external_node_path_.join)(dir, ...file.relPath.split('/')),
        relPath: file.relPath,
        entryName: kind === 'instance' ? file.name : `${CLASS_FOLDER}/${file.name}`,
        bytes,
        stamp,
        format: info.format,
        width: info.width,
        height: info.height
    };
}
/**
 * Images that flatten to the same entry name, compared without case and after Unicode
 * normalisation: "é" typed as one character (NFC, most systems) and as e + accent (NFD, macOS)
 * are one name to a person and to many unzip tools.
 */
function nameClashes(images) {
    const byName = new Map();
    for (const image of images) {
        const key = image.entryName.normalize('NFC').toLowerCase();
        byName.set(key, [...(byName.get(key) ?? []), image.relPath]);
    }
    return [...byName.entries()]
        .filter(([, paths]) => paths.length > 1)
        .map(([, paths]) => ({
        paths: paths.sort(compareNames),
        reason: `each would be stored as ${paths[0].split('/').pop()} (sub-folders are flattened; names are compared without case or Unicode normalisation)`
    }));
}
function describeProblems(dir, problems) {
    const sorted = [...problems].sort((a, b) => compareNames(a.paths[0], b.paths[0]));
    const listed = sorted.slice(0, MAX_LISTED_PROBLEMS).map((p) => `\n  ${p.paths.join(', ')}: ${p.reason}`);
    const more = problems.length > MAX_LISTED_PROBLEMS ? `\n  and ${problems.length - MAX_LISTED_PROBLEMS} more` : '';
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    return (`${count} in ${dir}:${listed.join('')}${more}\n` +
        `Only JPEG, PNG and WebP images may be in the folder (files and folders whose names start with '.' are skipped).`);
}
function sumBytes(images) {
    return images.reduce((total, image) => total + image.bytes, 0);
}

;// CONCATENATED MODULE: ./src/dataset/index.ts
// The dataset layer's public face: find and check the images, then make them the seed's zip, in
// one pass into the upload, a file or the hash.






/***/ }),

/***/ 79407:
/***/ ((module, __unused_webpack___webpack_exports__, __nccwpck_require__) => {

__nccwpck_require__.a(module, async (__webpack_handle_async_dependencies__, __webpack_async_result__) => { try {
/* harmony import */ var _main_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(82911);
/* harmony import */ var _shared_flush_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(19959);
// The action's entry. It ends the process itself once stdout and stderr have handed every byte
// to the runner (shared/flush.ts).


await (0,_main_js__WEBPACK_IMPORTED_MODULE_0__/* .run */ .e)();
await (0,_shared_flush_js__WEBPACK_IMPORTED_MODULE_1__/* .exitWhenFlushed */ .K)();

__webpack_async_result__();
} catch(e) { __webpack_async_result__(e); } }, 1);

/***/ }),

/***/ 82911:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  e: () => (/* binding */ run)
});

// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __nccwpck_require__(51455);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __nccwpck_require__(76760);
// EXTERNAL MODULE: ./src/shared/format.ts
var format = __nccwpck_require__(36338);
// EXTERNAL MODULE: ./src/shared/secrets.ts
var shared_secrets = __nccwpck_require__(33260);
;// CONCATENATED MODULE: ./src/report/markdown.ts
// Markdown made from values the action did not write (server answers, file names, inputs), for
// the job summary and the PR comment: every value redacted, cut to a sane length and escaped so
// that it stays inside its table cell, links only to https, and no HTML.


/** How long a value from elsewhere may be where it is shown. */
const LIMITS = {
    /** names, versions, vendors, job IDs, times */
    name: 200,
    /** error messages, notes, prompts */
    text: 2000,
    url: 2048
};
/** Text that is Markdown already. */
class Markdown {
    text;
    constructor(text) {
        this.text = text;
    }
}
// every line break CommonMark knows (CR alone is one), and the Unicode separators
const LINE_BREAKS = /\r\n|[\r\n\u2028\u2029\u0085]/g;
// all other controls but the tab
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u0084\u0086-\u009f]/g;
/** A value from elsewhere, redacted before it is cut to at most `max` characters. */
function shownText(value, max = LIMITS.text) {
    return (0,format/* clip */.$Q)((0,shared_secrets/* redactSecrets */.fp)(String(value)), max);
}
/** A value from elsewhere as one line: redacted, cut, line breaks shown as ⏎, controls replaced. */
function plainLine(value, max = LIMITS.text) {
    return shownText(value, max).replace(LINE_BREAKS, ' ⏎ ').replace(CONTROLS, '�');
}
/**
 * Markdown cell text: no line breaks, no table pipes, no HTML, no emphasis or links, and no
 * bare URL that GitHub would turn into a link.
 */
function cell(value, max = LIMITS.text) {
    return plainLine(value, max)
        .replace(/[\\`*_{}[\]<>|~!]/g, (c) => `\\${c}`)
        .replace(/:\/\//g, ':\\/\\/')
        .replace(/\bwww\./gi, (w) => `${w.slice(0, 3)}\\.`);
}
/** A value in a code span: shown as it is, but it cannot end the span, the cell or the line. */
function code(value, max = LIMITS.name) {
    const text = plainLine(value, max).replaceAll('`', "'").replaceAll('|', '\\|');
    return new Markdown(`\`${text}\``);
}
/**
 * A link with escaped text, when `url` is an https URL that holds no secret; anything else is
 * shown as code, never as a link.
 */
function markdown_link(text, url) {
    let parsed;
    try {
        parsed = new URL(url);
    }
    catch {
        parsed = undefined;
    }
    if (!parsed || parsed.protocol !== 'https:' || url.length > LIMITS.url || (0,shared_secrets/* redactSecrets */.fp)(url) !== url) {
        return code(url, LIMITS.url).text;
    }
    // the serialised URL, with whatever Markdown or a table would read percent-encoded
    const href = parsed.href.replace(/[^A-Za-z0-9\-._~:/?#&=%+,;@$']/g, percentEncode);
    return `[${cell(text, LIMITS.name)}](${href})`;
}
function percentEncode(c) {
    const code = c.charCodeAt(0);
    return code < 0x80 ? `%${code.toString(16).toUpperCase().padStart(2, '0')}` : encodeURIComponent(c);
}
/** Shown rows of a long list: the first `max`, and a note that says how many more there are. */
function firstRows(items, max) {
    return { shown: items.slice(0, max), more: Math.max(0, items.length - max) };
}
/** A fenced code block that no line of `text` can close. */
function codeBlock(language, text) {
    const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
    const fence = '`'.repeat(Math.max(3, longest + 1));
    return [`${fence}${language}`, text.replace(LINE_BREAKS, '\n'), fence];
}

// EXTERNAL MODULE: ./src/shared/runner-commands.ts
var runner_commands = __nccwpck_require__(42642);
;// CONCATENATED MODULE: ./src/report/outputs.ts
// The run's result as step outputs. No output holds the API key or an upload URL, every value
// from elsewhere is redacted and cut to a sane length, and only the JSON outputs may hold a line
// break (escaped, inside their strings).


/** Models listed in the `models` output; a service could answer with any number. */
const MAX_OUTPUT_MODELS = 100;
/** Output name → value, for every output that applies. */
/** The status output: "cancelled" is not a status of the contract; the job goes on, so it is still running. */
function outputStatus(report) {
    return report.status === 'cancelled' ? 'running' : report.status;
}
function reportOutputs(report) {
    const outputs = {};
    const set = (name, value, max = LIMITS.name) => {
        if (value !== undefined && value !== null)
            outputs[name] = plainLine(value, max);
    };
    set('status', outputStatus(report));
    set('job-id', report.jobId);
    set('error-message', report.errorMessage, LIMITS.text);
    // in JSON a line break is escaped: the values are only redacted and cut
    const models = report.models.slice(0, MAX_OUTPUT_MODELS).map((model) => ({
        vendor: shownText(model.vendor, LIMITS.name),
        version: shownText(model.version, LIMITS.name),
        name: shownText(model.name, LIMITS.name),
        url: shownText(model.url, LIMITS.url),
        modelCard: shownText(model.modelCard, LIMITS.url)
    }));
    const [first] = models;
    if (first) {
        set('model-url', first.url, LIMITS.url);
        set('model-card', first.modelCard, LIMITS.url);
        set('model-name', first.name);
        set('model-version', first.version);
        set('model-vendor', first.vendor);
    }
    if (report.models.length > 0 || report.status === 'done')
        outputs.models = JSON.stringify(models);
    set('created', report.jobStatus?.created);
    set('finished', report.jobStatus?.finished);
    set('zip-path', report.zip?.path, Infinity); // the action's own path: cut, it would be wrong
    set('zip-sha256', report.zip?.sha256);
    set('zip-bytes', report.zip?.bytes);
    set('instance-image-count', report.instanceImageCount);
    set('class-image-count', report.classImageCount);
    set('class-images-cache-hit', report.classImagesCacheHit);
    set('artifact-id', report.artifactId);
    if (report.sampleImages)
        outputs['sample-images'] = JSON.stringify(report.sampleImages.map((sample) => sample.path));
    return outputs;
}
function writeOutputs(report) {
    for (const [name, value] of Object.entries(reportOutputs(report)))
        runner_commands/* runner */.lj.setOutput(name, value);
}

// EXTERNAL MODULE: ./src/shared/log.ts
var shared_log = __nccwpck_require__(21827);
;// CONCATENATED MODULE: ./src/report/phase.ts
// A phase of the run: one log group, and its time in the report's timings.

/** Times a phase and shows it as one log group. */
async function phase(report, name, body) {
    const started = Date.now();
    try {
        return await shared_log/* log */.Rm.group(name, body);
    }
    finally {
        report.timings.push({ phase: name, ms: Date.now() - started });
    }
}

;// CONCATENATED MODULE: ./src/report/report.ts
/** "2 supplied, 4 generated": the sources that gave images; undefined when none did. */
function describeClassImageSources(sources) {
    const parts = [
        sources.supplied > 0 ? `${sources.supplied} supplied` : '',
        sources.restored > 0 ? `${sources.restored} restored from the cache` : '',
        sources.generated > 0 ? `${sources.generated} generated` : ''
    ].filter(Boolean);
    return parts.length > 0 ? parts.join(', ') : undefined;
}
function newReport() {
    return { models: [], timings: [], notes: [] };
}

;// CONCATENATED MODULE: ./src/report/summary.ts
// The job summary a person reads: status, model links, the parameters sent and the timings.
// Every value that came from outside is redacted, cut and escaped (markdown.ts); long lists are
// cut with a note, and the whole stays under GitHub's 1 MiB limit for a step's summary.





const STATUS_ICON = {
    done: '✅',
    failed: '❌',
    notfound: '❌',
    'timed-out': '⏱️',
    running: '🏃',
    cancelled: '🛑',
    'dry-run': '🧪'
};
/** GitHub refuses a step summary over 1 MiB: ours stays below, with room to spare. */
const SUMMARY_MAX_BYTES = 1000 * 1024;
/** Rows of a list shown before the rest is summed up in a note, and the bytes a list may take. */
const MAX_ROWS = { models: 100, samples: 100, parameters: 200, warnings: 100 };
const MAX_LIST_BYTES = 256 * 1024;
/** The service's record of the job's input, shown up to this length. */
const MAX_JOB_INPUT = 64 * 1024;
/** The job summary as Markdown. */
function renderSummary(report, title = 'DreamBooth training') {
    const status = report.status ?? 'failed';
    const sections = [
        [`## ${STATUS_ICON[status] ?? ''} ${cell(title)}: ${status}`, '', ...factsTable(report, status), ''],
        modelsSection(report),
        samplesSection(report),
        parametersSection(report),
        jobInputSection(report),
        timingsSection(report),
        warningsSection(report),
        report.notes.flatMap((note) => [`> ${cell(note)}`, ''])
    ];
    return fitSections(sections, SUMMARY_MAX_BYTES);
}
function factsTable(report, status) {
    // [label, value]; a Markdown value is shown as it is, anything else is escaped.
    const facts = [
        ['Job', report.jobId && code(report.jobId)],
        ['Status', status],
        [
            'Attached to',
            report.attachedTo === 'job-id'
                ? 'an existing job (job-id)'
                : report.attachedTo === 're-run'
                    ? 'the job an earlier attempt started'
                    : undefined
        ],
        ['Created', report.jobStatus?.created && cell(report.jobStatus.created, LIMITS.name)],
        ['Finished', report.jobStatus?.finished && cell(report.jobStatus.finished, LIMITS.name)],
        ['Error', report.errorMessage],
        ['Zip', report.zip && new Markdown(`${report.zip.bytes} bytes, sha256 ${code(report.zip.sha256).text}`)],
        [
            'Images',
            report.instanceImageCount !== undefined
                ? `${report.instanceImageCount} instance, ${report.classImageCount ?? 0} class`
                : undefined
        ],
        [
            'Class images from cache',
            report.classImagesCacheHit === undefined ? undefined : report.classImagesCacheHit ? 'yes' : 'no'
        ],
        ['Class images', report.classImageSources && describeClassImageSources(report.classImageSources)],
        ['API revision', report.apiRevision],
        ['Artifact', report.artifactId]
    ];
    const lines = ['| | |', '| --- | --- |'];
    for (const [label, value] of facts) {
        if (value === undefined || value === null || value === '')
            continue;
        lines.push(`| ${label} | ${value instanceof Markdown ? value.text : cell(value)} |`);
    }
    return lines;
}
function modelsSection(report) {
    if (report.models.length === 0)
        return [];
    const { shown } = firstRows(report.models, MAX_ROWS.models);
    const rows = shown.map((model) => {
        const name = cell(model.name, LIMITS.name);
        const version = cell(model.version, LIMITS.name);
        const vendor = cell(model.vendor, LIMITS.name);
        return `| ${name} | ${version} | ${vendor} | ${markdown_link('link', model.url)} | ${markdown_link('link', model.modelCard)} |`;
    });
    const head = ['### Models', '', '| Name | Version | Vendor | API | Model card |', '| --- | --- | --- | --- | --- |'];
    return [...head, ...listRows(rows, report.models.length, 'model'), ''];
}
function samplesSection(report) {
    if (!report.sampleImages)
        return [];
    if (report.sampleImages.length === 0) {
        return ['### Sample images', '', '> No sample image was made: the warnings in the log say why.', ''];
    }
    const { shown } = firstRows(report.sampleImages, MAX_ROWS.samples);
    const rows = shown.map((sample) => `| ${cell(sample.prompt)} | ${code((0,external_node_path_.basename)(sample.path)).text} |`);
    // A job summary cannot show files from the runner: say where they are.
    const where = report.artifactId !== undefined
        ? `The images are in the samples folder of the run's artifact (ID ${report.artifactId}), under the run's Artifacts.`
        : `The images are on the runner in ${(0,external_node_path_.dirname)(report.sampleImages[0].path)}; set artifact-name to keep them with the run.`;
    const head = ['### Sample images', '', '| Prompt | File |', '| --- | --- |'];
    return [...head, ...listRows(rows, report.sampleImages.length, 'sample image'), '', `> ${cell(where)}`, ''];
}
function parametersSection(report) {
    if (!report.parametersSent)
        return [];
    const heading = report.status === 'dry-run' ? 'Parameters to send (dry run: nothing was sent)' : 'Parameters sent';
    const entries = Object.entries(report.parametersSent).filter(([, value]) => value !== undefined);
    const { shown } = firstRows(entries, MAX_ROWS.parameters);
    const rows = shown.map(([key, value]) => `| ${cell(key, LIMITS.name)} | ${cell(JSON.stringify(value))} |`);
    return [`### ${heading}`, '', '| Field | Value |', '| --- | --- |', ...listRows(rows, entries.length, 'field'), ''];
}
function jobInputSection(report) {
    if (!report.jobStatus?.jobInput)
        return [];
    const text = shownText(report.jobStatus.jobInput, MAX_JOB_INPUT);
    return ['### Input the service recorded', '', ...codeBlock('json', text), ''];
}
function timingsSection(report) {
    if (report.timings.length === 0)
        return [];
    const lines = ['### Timings', '', '| Phase | Time |', '| --- | --- |'];
    for (const { phase, ms } of report.timings)
        lines.push(`| ${cell(phase, LIMITS.name)} | ${(0,format/* formatDuration */.a3)(ms)} |`);
    return [...lines, ''];
}
/** Every warning of the run: GitHub annotates only the first ten of a step. */
function warningsSection(report) {
    const warnings = report.warnings;
    if (!warnings || warnings.total === 0)
        return [];
    const { shown } = firstRows(warnings.messages, MAX_ROWS.warnings);
    const rows = shown.map((warning) => `- ${cell(warning)}`);
    return ['### Warnings', '', ...listRows(rows, warnings.total, 'warning', ' (the log has them all)'), ''];
}
/** The rows that fit in MAX_LIST_BYTES, and a note that says how many of `total` are not shown. */
function listRows(rows, total, noun, where = '') {
    const fitting = [];
    let bytes = 0;
    for (const row of rows) {
        bytes += Buffer.byteLength(row) + 1;
        if (bytes > MAX_LIST_BYTES)
            break;
        fitting.push(row);
    }
    const more = total - fitting.length;
    return more > 0
        ? [...fitting, '', `> … and ${(0,format/* plural */.LS)(more, `more ${noun}`, `more ${noun}s`)} not shown here${where}.`]
        : fitting;
}
/** The sections in order, as many as fit in `maxBytes`; a note says where the rest was cut. */
function fitSections(sections, maxBytes) {
    const note = `> The summary was cut here: GitHub refuses a job summary over 1 MiB. The log has the rest.`;
    const budget = maxBytes - Buffer.byteLength(note) - 2;
    let text = '';
    for (const section of sections) {
        if (section.length === 0)
            continue;
        const part = `${section.join('\n')}\n`;
        if (Buffer.byteLength(text) + Buffer.byteLength(part) > budget)
            return `${text}${note}\n`;
        text += part;
    }
    return text.replace(/\n$/, '');
}
/** Writes the summary unless `enabled` is false (the job-summary input). */
async function writeSummary(report, enabled = true) {
    if (!enabled || !process.env.GITHUB_STEP_SUMMARY)
        return;
    await runner_commands/* runner */.lj.appendSummary(renderSummary(report));
}

;// CONCATENATED MODULE: ./src/report/index.ts
// The report layer's public face: the run's record, its outputs, its summary, and the Markdown
// helpers the PR comment shares with the summary.






// EXTERNAL MODULE: ./src/shared/errors.ts
var errors = __nccwpck_require__(58382);
;// CONCATENATED MODULE: ./src/shared/best-effort.ts
// The extras around a training (the class-image cache, the record of started jobs, the artifact,
// the PR comment) must never fail a training that worked: their errors become one warning each.


async function best_effort_bestEffort(options, body) {
    try {
        return await body();
    }
    catch (error) {
        shared_log/* log */.Rm.warning(options.warning((0,errors/* errorMessage */.g)(error), error));
        return options.fallback;
    }
    finally {
        await options.cleanup?.().catch(() => undefined);
    }
}

// EXTERNAL MODULE: ./src/shared/builtins.ts
var builtins = __nccwpck_require__(23613);
;// CONCATENATED MODULE: ./src/github/end-step.ts
/** The step `body`, run with the input's value when `input(config)` is set and this is no dry run. */
function endStep(input, body) {
    return async (config, report, env = process.env) => {
        const value = input(config);
        if (!value || config.dryRun)
            return;
        await body(value, config, report, env);
    };
}

;// CONCATENATED MODULE: ./src/github/runner-kind.ts
// Which kind of server the runner belongs to. @actions/artifact (v2+) refuses GitHub Enterprise
// Server, and @actions/cache uses its older service there; both tell it by GITHUB_SERVER_URL, and
// so does this, so the action can say what it will not do before the libraries fail at it.
/**
 * True on GitHub Enterprise Server and on the servers that pass for it (Gitea, Forgejo): any
 * GITHUB_SERVER_URL that is not github.com, *.ghe.com or *.localhost, as the libraries decide.
 */
function isEnterpriseServer(env = process.env) {
    let host;
    try {
        host = new URL(env.GITHUB_SERVER_URL || 'https://github.com').hostname.trimEnd().toLowerCase();
    }
    catch {
        return false;
    }
    return host !== 'github.com' && !host.endsWith('.ghe.com') && !host.endsWith('.localhost');
}

// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __nccwpck_require__(48161);
;// CONCATENATED MODULE: ./src/shared/paths.ts


/** The runner's temporary folder (RUNNER_TEMP), or the system's outside a runner. */
function runnerTemp(env = process.env) {
    return env.RUNNER_TEMP || (0,external_node_os_.tmpdir)();
}
/** The action's folder under RUNNER_TEMP: the zip, generated class images, sample images. */
function workDir(env = process.env) {
    return (0,external_node_path_.join)(runnerTemp(env), 'tiyaro-dreambooth');
}

;// CONCATENATED MODULE: ./src/github/artifact.ts
// The workflow artifact (`artifact-name`): the zip that was sent, a result.json that says what
// became of it, and the sample images when there are any. Made at the end of every run that got
// as far as a zip or a job, a failed or timed-out one included (that is when it helps most);
// an artifact that cannot be made is a warning, never a failed run.











const RESULT_FILE = 'result.json';
const SAMPLES_FOLDER = 'samples';
/** The sample images' names in the artifact, in the report's order; a repeated name gets a number. */
function sampleFileNames(samples) {
    const taken = new Set();
    return samples.map(({ path }, index) => {
        const name = (0,external_node_path_.basename)(path);
        const unique = taken.has(name) ? `${index + 1}-${name}` : name;
        taken.add(unique);
        return `${SAMPLES_FOLDER}/${unique}`;
    });
}
/**
 * result.json: what a person debugging the run wants. No API key (the parameters sent never
 * hold it, and every string is redacted, a server's too), no upload URL, no runner-local path.
 */
function resultJson(report, config) {
    const secrets = [config.apiKey, config.githubToken];
    const samples = report.sampleImages ?? [];
    const sampleFiles = sampleFileNames(samples);
    const result = {
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
            ? { name: config.zipName || (0,external_node_path_.basename)(report.zip.path), sha256: report.zip.sha256, bytes: report.zip.bytes }
            : null,
        instanceImageCount: report.instanceImageCount ?? null,
        classImageCount: report.classImageCount ?? null,
        classImagesCacheHit: report.classImagesCacheHit ?? null,
        apiRevision: report.apiRevision ?? null,
        sampleImages: samples.map((sample, index) => ({ prompt: sample.prompt, file: sampleFiles[index] })),
        timings: report.timings.map(({ phase, ms }) => ({ phase, ms }))
    };
    return (0,shared_secrets/* redactDeep */.KL)(result, secrets);
}
/** Uploads the artifact when `artifact-name` is set and sets `report.artifactId`. Never throws. */
const uploadResultArtifact = endStep((config) => config.artifactName, async (name, config, report, env) => {
    if (!report.zip && !report.jobId)
        return; // nothing was built or started: nothing to keep
    if (isEnterpriseServer(env)) {
        // the library would throw GHESNotSupportedError after a warning of its own
        shared_log/* log */.Rm.warning(unsupportedServiceWarning(name, report, env));
        return;
    }
    if (!env.ACTIONS_RUNTIME_TOKEN || !env.ACTIONS_RESULTS_URL) {
        shared_log/* log */.Rm.warning(`artifact-name: this runner offers no artifact service, so no artifact "${name}" was uploaded.`);
        return;
    }
    const started = Date.now();
    const folder = (0,external_node_path_.join)(runnerTemp(env), `tiyaro-dreambooth-artifact-${(0,builtins/* nodeCrypto */.SI)().randomUUID()}`);
    const failed = {
        warning: (message) => `Could not upload the artifact "${name}": ${(0,shared_secrets/* redact */.E$)(message, [config.apiKey, config.githubToken])}`,
        fallback: undefined,
        cleanup: async () => {
            report.timings.push({ phase: 'Upload artifact', ms: Date.now() - started });
            await (0,promises_.rm)(folder, { recursive: true, force: true });
        }
    };
    await best_effort_bestEffort(failed, () => shared_log/* log */.Rm.group(`Upload artifact ${name}`, async () => {
        const files = await stageFiles(folder, config, report, env);
        const { DefaultArtifactClient } = await Promise.all(/* import() */[__nccwpck_require__.e(752), __nccwpck_require__.e(538), __nccwpck_require__.e(351), __nccwpck_require__.e(203)]).then(__nccwpck_require__.bind(__nccwpck_require__, 75203));
        // the zip's images are compressed already: packing them again only costs time
        const uploaded = await new DefaultArtifactClient().uploadArtifact(name, files, folder, { compressionLevel: 0 });
        report.artifactId = uploaded.id;
        const shown = files.map((file) => file.slice(folder.length + 1)).join(', ');
        shared_log/* log */.Rm.info(`Uploaded artifact "${name}" (id ${uploaded.id}, ${uploaded.size} bytes: ${shown}) in ${(0,format/* formatDuration */.a3)(Date.now() - started)}.`);
    }));
});
/**
 * @actions/artifact v2+ refuses GitHub Enterprise Server and the servers that pass for it (Gitea,
 * Forgejo) with GHESNotSupportedError: one warning that says so and where the files are instead.
 */
function unsupportedServiceWarning(name, report, env) {
    const samples = (report.sampleImages ?? []).length > 0 ? ' and the sample images (the sample-images output)' : '';
    return (`artifact-name: the artifact service of ${env.GITHUB_SERVER_URL || 'this server'} is not supported by @actions/artifact ` +
        `(GitHub Enterprise Server, Gitea), so no artifact "${name}" was uploaded; the training goes on. ` +
        `The zip (the zip-path output)${samples} stay on the runner: actions/upload-artifact@v3 can upload them there.`);
}
/** Puts the files into one folder (the artifact's root): links where possible, no copies of big files. */
async function stageFiles(folder, config, report, env) {
    const samples = report.sampleImages ?? [];
    await (0,promises_.mkdir)(samples.length > 0 ? (0,external_node_path_.join)(folder, SAMPLES_FOLDER) : folder, { recursive: true });
    const files = [];
    if (report.zip) {
        const target = (0,external_node_path_.join)(folder, config.zipName || (0,external_node_path_.basename)(report.zip.path));
        await placeFile(report.zip.path, target);
        files.push(target);
    }
    const workspace = env.GITHUB_WORKSPACE || process.cwd();
    const names = sampleFileNames(samples);
    for (const [index, sample] of samples.entries()) {
        const target = (0,external_node_path_.join)(folder, ...names[index].split('/'));
        await placeFile((0,external_node_path_.resolve)(workspace, sample.path), target);
        files.push(target);
    }
    const result = (0,external_node_path_.join)(folder, RESULT_FILE);
    await (0,promises_.writeFile)(result, `${JSON.stringify(resultJson(report, config), null, 2)}\n`);
    files.push(result);
    return files;
}
async function placeFile(source, target) {
    try {
        await (0,promises_.link)(source, target);
    }
    catch {
        await (0,promises_.copyFile)(source, target);
    }
}

;// CONCATENATED MODULE: ./src/github/pr-comment.ts






/** Models listed in a comment, as far as they fit: GitHub refuses a comment body over 65536 characters. */
const MAX_COMMENT_MODELS = 20;
const MAX_COMMENT_CHARS = 60_000;
const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target']);
/** The hidden line that tells this action's comment for this model apart from any other. */
function commentMarker(name) {
    return `<!-- tiyaro-dreambooth:${encodeURIComponent(name)} -->`;
}
/** Whether a comment is this action's for this model: its first line is the marker, nothing else. */
function isOurComment(body, name) {
    return body?.split(/\r?\n/, 1)[0] === commentMarker(name);
}
/** The pull request number of a pull_request or pull_request_target event; undefined otherwise. */
function pullRequestOfEvent(eventName, payload) {
    if (!eventName || !PULL_REQUEST_EVENTS.has(eventName))
        return undefined;
    const number = payload?.pull_request?.number;
    return typeof number === 'number' && Number.isInteger(number) && number > 0 ? number : undefined;
}
/** Of the pull requests a pushed commit belongs to, the one it merged: by merge commit, else any merged one. */
function mergedPullOfCommit(pulls, sha) {
    const merged = pulls.filter((pull) => pull.merged_at);
    return (merged.find((pull) => pull.merge_commit_sha === sha) ?? merged[0])?.number;
}
/** The comment's Markdown: marker, status, model links and card, image counts, job. */
function renderComment(report, config, context = {}) {
    const status = outputStatus(report) ?? 'failed';
    const icon = STATUS_ICON[report.status ?? 'failed'] ?? '';
    const rows = [
        ['Status', cell(status)],
        ['Job', report.jobId && code(report.jobId).text],
        [
            'Attached to',
            report.attachedTo === 're-run'
                ? 'the job an earlier attempt of this run started'
                : report.attachedTo === 'job-id'
                    ? 'an existing job (job-id)'
                    : undefined
        ],
        ['Error', report.errorMessage && cell((0,shared_secrets/* redact */.E$)(report.errorMessage, [config.apiKey, config.githubToken]))],
        ['Images', imageCounts(report)],
        ['Zip', report.zip && `${report.zip.bytes} bytes, sha256 \`${report.zip.sha256}\``],
        ['Created', report.jobStatus?.created ? cell(report.jobStatus.created, LIMITS.name) : undefined],
        ['Finished', report.jobStatus?.finished ? cell(report.jobStatus.finished, LIMITS.name) : undefined],
        ['Artifact', context.artifactUrl ? markdown_link(context.artifactName ?? 'artifact', context.artifactUrl) : undefined],
        [
            'Run',
            context.runUrl
                ? markdown_link(context.runAttempt && context.runAttempt > 1
                    ? `workflow run (attempt ${context.runAttempt})`
                    : 'workflow run', context.runUrl)
                : undefined
        ]
    ];
    const lines = [
        commentMarker(config.name),
        `### ${icon} DreamBooth training ${cell(`${config.name} ${config.version}`, LIMITS.text)}: ${cell(status)}`,
        '',
        '| | |',
        '| --- | --- |'
    ];
    for (const [label, value] of rows)
        if (value)
            lines.push(`| ${label} | ${value} |`);
    lines.push('');
    if (report.models.length > 0) {
        const { shown } = firstRows(report.models, MAX_COMMENT_MODELS);
        lines.push('| Model | Version | API | Model card |', '| --- | --- | --- | --- |');
        let length = lines.join('\n').length;
        let listed = 0;
        for (const model of shown) {
            const [name, version] = [cell(model.name, LIMITS.name), cell(model.version, LIMITS.name)];
            const row = `| ${name} | ${version} | ${markdown_link('model URL', model.url)} | ${markdown_link('model card', model.modelCard)} |`;
            if (length + row.length + 1 > MAX_COMMENT_CHARS)
                break;
            lines.push(row);
            length += row.length + 1;
            listed++;
        }
        const more = report.models.length - listed;
        if (more > 0)
            lines.push('', `> … and ${more} more: the run's summary lists them.`);
        lines.push('');
    }
    return lines.join('\n');
}
function imageCounts(report) {
    if (report.instanceImageCount === undefined)
        return undefined;
    const fromCache = report.classImagesCacheHit ? ' (class images from the cache)' : '';
    return `${report.instanceImageCount} instance, ${report.classImageCount ?? 0} class${fromCache}`;
}
/** An HTTP status from an Octokit error, if it has one. */
function httpStatus(error) {
    const status = error.status;
    return typeof status === 'number' ? status : undefined;
}
/** Creates or updates the run's comment when `comment-on-pr` is set. Never throws. */
const commentOnPullRequest = endStep((config) => config.commentOnPr, async (_wanted, config, report, env) => {
    const token = config.githubToken;
    if (!token) {
        shared_log/* log */.Rm.warning('comment-on-pr: github-token is empty, so no comment was written; pass a token (the default is github.token).');
        return;
    }
    const started = Date.now();
    let pull;
    const failed = {
        warning: (text, error) => {
            const where = pull === undefined ? 'the pull request' : `pull request #${pull}`;
            const message = (0,shared_secrets/* redact */.E$)(text, [config.apiKey, config.githubToken]);
            if (httpStatus(error) !== 403)
                return `comment-on-pr: could not comment on ${where}: ${message}`;
            return (`comment-on-pr: could not comment on ${where}: the token may not write comments (HTTP 403: ${message}). ` +
                'Grant it with "permissions: pull-requests: write" (or "issues: write") in the workflow; ' +
                'on pull requests from forks the token is read-only.');
        },
        fallback: undefined
    };
    await best_effort_bestEffort(failed, async () => {
        const { context, getOctokit } = await Promise.all(/* import() */[__nccwpck_require__.e(752), __nccwpck_require__.e(351), __nccwpck_require__.e(770)]).then(__nccwpck_require__.bind(__nccwpck_require__, 61351));
        const octokit = getOctokit(token);
        const repo = context.repo;
        const eventName = context.eventName;
        pull = pullRequestOfEvent(eventName, context.payload);
        if (pull === undefined && eventName === 'push' && context.sha) {
            const { data } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({
                ...repo,
                commit_sha: context.sha
            });
            pull = mergedPullOfCommit(data, context.sha);
            if (pull === undefined) {
                shared_log/* log */.Rm.info(`comment-on-pr: commit ${context.sha.slice(0, 7)} did not merge a pull request; no comment.`);
                return;
            }
        }
        else if (pull === undefined) {
            shared_log/* log */.Rm.info(`comment-on-pr: the ${eventName ?? 'unknown'} event has no pull request; no comment.`);
            return;
        }
        const body = renderComment(report, config, commentContext(config, report, env, `${repo.owner}/${repo.repo}`));
        let existing;
        for await (const page of octokit.paginate.iterator(octokit.rest.issues.listComments, {
            ...repo,
            issue_number: pull,
            per_page: 100
        })) {
            existing = page.data.find((comment) => isOurComment(comment.body, config.name));
            if (existing)
                break;
        }
        if (existing) {
            const { data } = await octokit.rest.issues.updateComment({ ...repo, comment_id: existing.id, body });
            shared_log/* log */.Rm.info(`Updated the comment on pull request #${pull}: ${data.html_url} (${(0,format/* formatDuration */.a3)(Date.now() - started)})`);
        }
        else {
            const { data } = await octokit.rest.issues.createComment({ ...repo, issue_number: pull, body });
            shared_log/* log */.Rm.info(`Commented on pull request #${pull}: ${data.html_url} (${(0,format/* formatDuration */.a3)(Date.now() - started)})`);
        }
    });
});
function commentContext(config, report, env, repository) {
    const server = env.GITHUB_SERVER_URL || 'https://github.com';
    const runId = env.GITHUB_RUN_ID;
    const runUrl = runId ? `${server}/${repository}/actions/runs/${runId}` : undefined;
    const attempt = Number(env.GITHUB_RUN_ATTEMPT);
    return {
        runUrl,
        runAttempt: Number.isInteger(attempt) ? attempt : undefined,
        artifactName: config.artifactName,
        artifactUrl: runUrl && report.artifactId !== undefined ? `${runUrl}/artifacts/${report.artifactId}` : undefined
    };
}

// EXTERNAL MODULE: ./src/dataset/index.ts + 8 modules
var src_dataset = __nccwpck_require__(3206);
;// CONCATENATED MODULE: ./src/services/keys.ts





const CLASS_CACHE_KEY_PREFIX = 'tiyaro-dreambooth-class-v1-';
function keys_classImagePurpose(config) {
    const { model, resolution } = config.hyperparameters;
    return {
        model: typeof model === 'string' ? model : undefined,
        classPrompt: config.classPrompt,
        resolution: typeof resolution === 'number' ? resolution : src_dataset/* DEFAULT_RESOLUTION */.Tn
    };
}
/** The part of the key every entry for this purpose shares, ending in '-'. */
function keys_classCacheKeyPrefix(purpose) {
    const hash = sha256([purpose.model ?? null, purpose.classPrompt, purpose.resolution].map((part) => JSON.stringify(part)).join('\n'));
    return `${CLASS_CACHE_KEY_PREFIX}${hash.slice(0, 16)}-`;
}
/** Hash of the images' names and contents, in name order; `images` are zip entries or cached files. */
function classImagesHash(images) {
    const lines = images.map(({ name, fingerprint }) => `${name}\u0000${fingerprint}\n`).sort();
    return sha256(lines.join('')).slice(0, 32);
}
/** The class images' entries of the archive, named as in the class folder of the zip. */
function classEntries(entries) {
    const prefix = `${src_dataset/* CLASS_FOLDER */.i_}/`;
    return entries
        .filter((entry) => entry.name.startsWith(prefix))
        .map((entry) => ({ name: entry.name.slice(prefix.length), fingerprint: entry.fingerprint }));
}
function classCacheKey(purpose, images) {
    return `${keys_classCacheKeyPrefix(purpose)}${classImagesHash(images)}`;
}
/** A cached image's file name: its name in the zip's class folder. */
function keys_cachedImageName(entryName) {
    return entryName.slice(src_dataset/* CLASS_FOLDER */.i_.length + 1);
}
/**
 * Whether to restore before the scan: the cache is on, this is no dry run, and `class-images`
 * is not set or names a missing or empty folder.
 */
async function keys_wantsRestore(config) {
    if (!config.cacheClassImages || config.dryRun)
        return false;
    return config.classImages === undefined || !(await holdsFiles(config.classImages));
}
/** Where restored class images go when `class-images` is not set. */
function keys_restoredClassFolder(env = process.env) {
    return (0,external_node_path_.join)(runnerTemp(env), 'tiyaro-dreambooth-class-images');
}
/**
 * After the zip: the key to save the class images under, or undefined when there is nothing to
 * save (cache off, dry run, no class images, or exactly the set that was restored).
 */
function keys_keyToSave(config, dataset, archive, source) {
    if (!config.cacheClassImages || config.dryRun || dataset.class.length === 0)
        return undefined;
    const key = classCacheKey(keys_classImagePurpose(config), classEntries(archive.entries));
    return key === source.restoredKey ? undefined : key;
}
/** Whether the folder exists and holds a file that the scan would look at (not hidden). */
async function holdsFiles(dir) {
    let entries;
    try {
        entries = await (0,promises_.readdir)(dir, { withFileTypes: true });
    }
    catch (error) {
        if (error.code === 'ENOENT')
            return false;
        return true; // not ours to judge: the scan reports what is wrong with it
    }
    for (const entry of entries) {
        if (entry.name.startsWith('.'))
            continue;
        if (!entry.isDirectory() || (await holdsFiles((0,external_node_path_.join)(dir, entry.name))))
            return true;
    }
    return false;
}
/** The same zip and the same parameters give the same fingerprint, whatever the key order. */
function keys_runFingerprint(zipSha256, parameters) {
    const sorted = Object.fromEntries(Object.entries(parameters).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return (0,builtins/* nodeCrypto */.SI)()
        .createHash('sha256')
        .update(`${zipSha256}\n${JSON.stringify(sorted)}`)
        .digest('hex')
        .slice(0, 32);
}
/** Whether a later run may attach to a recorded job in this state: a failed one is trained again. */
function keys_attachable(status) {
    return status.statusEnum !== 'failed' && status.statusEnum !== 'notfound';
}
function sha256(text) {
    return (0,builtins/* nodeCrypto */.SI)().createHash('sha256').update(text).digest('hex');
}

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __nccwpck_require__(73024);
;// CONCATENATED MODULE: ./src/services/folder-cache.ts
// The command's class-image cache: a folder on this machine (--cache-dir) instead of the Actions
// cache, with the same keys and the same rules (keys.ts). Each entry is a folder named by its
// key holding the images flat, under their names in the zip's class folder. A save is written
// beside the entries and renamed into place, so a reader never sees half an entry and two runs
// saving the same key at once both succeed. Images are copied, never linked: a later edit of a
// user's image must not change a cached entry.








/** Where the entries live under the cache folder. */
const CLASS_IMAGES_SUBFOLDER = 'class-images';
const KEY = /^[a-z0-9-]+$/;
/** The class-image cache in `cacheDir` (the folder is made when the first entry is saved). */
function folderClassImageCache(cacheDir) {
    const root = join(cacheDir, CLASS_IMAGES_SUBFOLDER);
    return {
        async restore(config) {
            const given = { classDir: config.classImages, fromCache: false };
            if (!(await wantsRestore(config)))
                return given;
            return log.group('Restore class images', () => restoreInto(root, config, given));
        },
        async save(config, dataset, archive, source) {
            const key = keyToSave(config, dataset, archive, source);
            if (key === undefined)
                return;
            const sources = dataset.class.map((image) => ({ from: image.sourcePath, name: cachedImageName(image.entryName) }));
            await log.group('Cache class images', () => saveEntry(root, key, sources));
        }
    };
}
async function restoreInto(root, config, given) {
    const started = Date.now();
    const prefix = classCacheKeyPrefix(classImagePurpose(config));
    const failed = {
        warning: (message) => `Class-image cache: could not restore from ${root} (${message}); going on without cached class images.`,
        fallback: given
    };
    return bestEffort(failed, async () => {
        const key = await newestEntry(root, prefix);
        if (key === undefined) {
            log.info(`Class-image cache: no entry for ${prefix}* in ${root} (same model, class prompt and resolution); no class images restored.`);
            return given;
        }
        const classDir = config.classImages ?? restoredClassFolder();
        // a folder of our own is emptied first: an earlier run may have left images in it
        if (config.classImages === undefined)
            await rm(classDir, { recursive: true, force: true });
        await mkdir(classDir, { recursive: true });
        const entry = join(root, key);
        const names = (await readdir(entry, { withFileTypes: true })).filter((file) => file.isFile()).map((f) => f.name);
        for (const name of names)
            await copyFile(join(entry, name), join(classDir, name), constants.COPYFILE_FICLONE);
        log.info(`Class-image cache: restored ${names.length} class images from key ${key} (${root}) into ${classDir} in ${formatDuration(Date.now() - started)}.`);
        return { classDir, fromCache: true, restoredKey: key };
    });
}
/** The most recently saved entry whose key starts with `prefix`; undefined when there is none. */
async function newestEntry(root, prefix) {
    let entries;
    try {
        entries = await readdir(root, { withFileTypes: true });
    }
    catch (error) {
        if (error.code === 'ENOENT')
            return undefined;
        throw error;
    }
    let newest;
    for (const entry of entries) {
        if (!entry.isDirectory() || !entry.name.startsWith(prefix) || !KEY.test(entry.name))
            continue;
        const time = (await stat(join(root, entry.name))).mtimeMs;
        if (!newest || time > newest.time)
            newest = { key: entry.name, time };
    }
    return newest?.key;
}
async function saveEntry(root, key, images) {
    const started = Date.now();
    const target = join(root, key);
    const staging = join(root, `.saving-${key}-${process.pid}-${nodeCrypto().randomBytes(4).toString('hex')}`);
    const failed = {
        warning: (message) => `Class-image cache: could not save the class images in ${root} (${message}); the run goes on.`,
        fallback: undefined,
        cleanup: () => rm(staging, { recursive: true, force: true })
    };
    await bestEffort(failed, async () => {
        if (await exists(target)) {
            log.info(`Class-image cache: the ${images.length} class images are cached already under key ${key}.`);
            return;
        }
        await mkdir(staging, { recursive: true });
        for (const image of images)
            await copyFile(await realpath(image.from), join(staging, image.name), constants.COPYFILE_FICLONE);
        try {
            await rename(staging, target);
        }
        catch (error) {
            const code = error.code;
            if (code !== 'ENOTEMPTY' && code !== 'EEXIST')
                throw error;
            log.info(`Class-image cache: another run saved key ${key} first; nothing to do.`);
            return;
        }
        log.info(`Class-image cache: saved ${images.length} class images under key ${key} in ${root} in ${formatDuration(Date.now() - started)}.`);
    });
}
async function exists(path) {
    return stat(path).then(() => true, () => false);
}

;// CONCATENATED MODULE: ./src/inputs/hyperparameters.ts
// The 21 optional DreamBoothInput training parameters of the seed, with the GraphQL type each
// is sent as and the values the training script accepts (ranges from the later revision and
// the diffusers DreamBooth script it follows).
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const spec = (key, type, rest = {}) => ({ key, input: key.replaceAll('_', '-'), type, ...rest });
const LR_SCHEDULERS = [
    'linear',
    'cosine',
    'cosine_with_restarts',
    'polynomial',
    'constant',
    'constant_with_warmup'
];
const MIXED_PRECISIONS = ['no', 'fp16', 'bf16'];
/** In the seed's order. */
const HYPERPARAMETERS = [
    spec('model', 'String'),
    spec('vae', 'String'),
    spec('seed', 'Int', { min: INT32_MIN, max: INT32_MAX }),
    spec('prior_loss_weight', 'Float', { min: 0 }),
    spec('resolution', 'Int', { min: 64, max: 4096, multipleOf: 8 }),
    spec('train_batch_size', 'Int', { min: 1, max: 1024 }),
    spec('lr_warmup_steps', 'Int', { min: 0, max: INT32_MAX }),
    spec('lr_scheduler', 'String', { oneOf: LR_SCHEDULERS }),
    spec('num_class_images', 'Int', { min: 0, max: 100000 }),
    spec('learning_rate', 'Float', { min: 0, max: 1, minExclusive: true }),
    spec('gradient_accumulation_steps', 'Int', { min: 1, max: INT32_MAX }),
    spec('max_train_steps', 'Int', { min: 1, max: INT32_MAX }),
    spec('train_text_encoder', 'Boolean'),
    spec('use_8bit_adam', 'Boolean'),
    spec('mixed_precision', 'String', { oneOf: MIXED_PRECISIONS }),
    spec('with_prior_preservation', 'Boolean'),
    spec('adam_beta1', 'Float', { min: 0, max: 1, maxExclusive: true }),
    spec('adam_beta2', 'Float', { min: 0, max: 1, maxExclusive: true }),
    spec('adam_weight_decay', 'Float', { min: 0 }),
    spec('adam_epsilon', 'Float', { min: 0, minExclusive: true }),
    spec('max_grad_norm', 'Float', { min: 0, minExclusive: true })
];

// EXTERNAL MODULE: ./src/shared/job-id.ts
var job_id = __nccwpck_require__(64022);
// EXTERNAL MODULE: ./src/shared/urls.ts
var urls = __nccwpck_require__(73047);
;// CONCATENATED MODULE: ./src/inputs/problems.ts
// How the inputs report what is wrong: one InputProblem per fault, gathered into one InputError
// so the user sees every problem at once. Every other file of inputs/ builds on this one, which
// imports none of them (so the layer has no import cycle).
/** Bad inputs. Carries every problem found; the message lists them one a line. */
class problems_InputError extends Error {
    name = 'InputError';
    problems;
    constructor(problems) {
        const list = Array.isArray(problems) ? problems : [problems];
        if (list.length === 0)
            throw new RangeError('an InputError needs at least one problem');
        super(list.length === 1
            ? list[0].message
            : [`${list.length} problems with the inputs:`, ...list.map((p) => p.message)].join('\n'));
        this.problems = list;
    }
    /** the input of the first problem (the only one when there is one) */
    get input() {
        return this.problems[0].input;
    }
}
/** An InputError with one problem, its line starting with `label` (the input's name by default). */
const problem = (input, message, label = input) => new problems_InputError({ input, message: `${label}: ${message}` });
/** A value as the user wrote it, quoted so that spaces, line breaks and control characters show. */
const show = (value) => JSON.stringify(value);
/**
 * Runs one check. An InputError's problems are added to `problems` and undefined comes back;
 * anything else thrown is a bug and goes on up.
 */
function collectProblems(problems, read) {
    try {
        return read();
    }
    catch (error) {
        if (!(error instanceof problems_InputError))
            throw error;
        problems.push(...error.problems);
        return undefined;
    }
}

;// CONCATENATED MODULE: ./src/inputs/parsers.ts
// The parsers for single input values: each takes the text as given and returns the typed value
// or throws an InputError whose message names the input, says what is wrong and what is allowed.
// No reading here (read.ts hands the text in) and nothing about hyperparameters beyond the
// number and boolean rules they share (hyperparameter-inputs.ts).



const MAX_SAMPLE_PROMPTS = 20;
function withoutNul(name, value) {
    if (value.includes('\0'))
        throw problem(name, 'contains a NUL character (\\u0000); remove it');
    return value;
}
/** Whitespace-only counts as missing; otherwise the value is kept exactly as given. */
function required(name, value) {
    if (value.trim() === '')
        throw problem(name, 'is required and was not given (or only whitespace)');
    return value;
}
function optional(value, parse) {
    return value.trim() === '' ? undefined : parse(value);
}
function parseApiKey(raw) {
    const key = required('api-key', raw);
    // fetch refuses such a header value later, with a less helpful error; never echo the key
    if (/[^\x20-\x7e]/.test(key)) {
        throw problem('api-key', 'contains a line break, control or non-ASCII character, which an Authorization header cannot carry; check the secret (its value is not shown)');
    }
    return key;
}
const ZIP_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*\.zip$/;
const ZIP_NAME_ALLOWED = 'letters, digits, ".", "_" and "-", starting with a letter or digit and ending in ".zip"';
/**
 * `<name>-<version>.zip` reduced to [A-Za-z0-9._-]: each run of other characters (with the
 * dashes beside it) becomes one `-`, leading dots and dashes go, `.zip` is added if missing.
 */
function defaultZipName(name, version) {
    const stem = `${name}-${version}`.replace(/[^A-Za-z0-9._]*[^A-Za-z0-9._-][^A-Za-z0-9._]*/g, '-').replace(/^[.-]+/, '');
    const zipName = stem.endsWith('.zip') ? stem : `${stem}.zip`;
    if (!ZIP_NAME.test(zipName)) {
        throw problem('zip-name', `the default made from name and version, ${show(zipName)}, is not usable (it needs ${ZIP_NAME_ALLOWED}); set zip-name`);
    }
    return zipName;
}
/** An explicit zip-name is used as given or refused, never changed. */
function parseZipName(raw) {
    if (!ZIP_NAME.test(raw))
        throw problem('zip-name', `${show(raw)} is not allowed; use ${ZIP_NAME_ALLOWED}`);
    return raw;
}
/** An absolute https URL, or http on a loopback host, without credentials. Returns its href. */
function parseServiceUrl(inputName, raw) {
    let url;
    try {
        url = new URL(raw);
    }
    catch {
        throw problem(inputName, `${show(raw)} is not an absolute URL; give an https:// URL`);
    }
    if (url.username !== '' || url.password !== '') {
        url.username = url.username && '***';
        url.password = url.password && '***';
        throw problem(inputName, `${show(url.href)} holds a user name or password, which would show in logs; remove it (the API key goes in api-key)`);
    }
    if (url.protocol === 'https:')
        return url.href;
    if (url.protocol === 'http:' && (0,urls/* isLoopbackHost */.cW)(url.hostname))
        return url.href;
    const why = url.protocol === 'http:'
        ? 'http is only allowed for localhost, 127.0.0.0/8 and [::1]'
        : `${url.protocol} is not supported`;
    throw problem(inputName, `${show(raw)}: https is required (${why})`);
}
const BOOLEAN_TRUE = ['true', 'True', 'TRUE'];
const BOOLEAN_FALSE = ['false', 'False', 'FALSE'];
const BOOLEAN_ALLOWED = 'true or false (also True, TRUE, False, FALSE)';
/** The values core.getBooleanInput accepts. */
function parseBoolean(inputName, raw, label = inputName) {
    if (BOOLEAN_TRUE.includes(raw))
        return true;
    if (BOOLEAN_FALSE.includes(raw))
        return false;
    throw problem(inputName, `${show(raw)} is not a boolean; use ${BOOLEAN_ALLOWED}`, label);
}
const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** A finite decimal number such as `5`, `.5`, `1e-6`; no hex, NaN or Infinity. */
function parseDecimal(text) {
    if (!DECIMAL.test(text))
        return undefined;
    const value = Number(text);
    return Number.isFinite(value) ? value : undefined;
}
/** A decimal number within `bounds`. */
function parseBoundedNumber(inputName, raw, { min, max, minExclusive }) {
    const allowed = `a number ${minExclusive ? 'above' : 'from'} ${min} ${minExclusive ? 'and up to' : 'to'} ${max} (fractions allowed)`;
    const value = parseDecimal(raw);
    if (value === undefined)
        throw problem(inputName, `${show(raw)} is not a decimal number; use ${allowed}`);
    if (value > max || value < min || (minExclusive && value === min)) {
        throw problem(inputName, `${raw} is out of range; use ${allowed}`);
    }
    return value;
}
function parseJobId(raw) {
    if (!(0,job_id/* isJobId */.d)(raw))
        throw problem('job-id', `${show(raw)} is not a job ID; use ${job_id/* JOB_ID_RULE */.x}`);
    return raw;
}
// The characters actions/artifact refuses in an artifact name.
const ARTIFACT_NAME_FORBIDDEN = ['"', ':', '<', '>', '|', '*', '?', '\\', '/', '\r', '\n'];
function parseArtifactName(raw) {
    const found = ARTIFACT_NAME_FORBIDDEN.filter((c) => raw.includes(c));
    if (found.length > 0) {
        throw problem('artifact-name', `${show(raw)} contains ${found.map(show).join(', ')}; an artifact name cannot contain " : < > | * ? \\ / or line breaks`);
    }
    return raw;
}
/** One prompt a non-empty line, kept as written except a trailing \r. */
function parseSamplePrompts(raw) {
    const prompts = raw
        .split('\n')
        .map((line) => line.replace(/\r$/, ''))
        .filter((line) => line.trim() !== '');
    if (prompts.length > MAX_SAMPLE_PROMPTS) {
        throw problem('sample-prompts', `has ${prompts.length} prompts; at most ${MAX_SAMPLE_PROMPTS} are allowed (one a line)`);
    }
    return prompts;
}

;// CONCATENATED MODULE: ./src/inputs/suggest.ts
// "Did you mean ...?": the nearest allowed word to a mistyped one, for the enum values and the
// keys of the hyperparameters mapping.
/**
 * The candidate nearest to `word` (case-insensitive edit distance, a swap of two neighbours
 * counting as one edit), when it is near enough to be a likely typo.
 */
function suggest(word, candidates) {
    const target = word.toLowerCase();
    let best;
    let bestDistance = Infinity;
    for (const candidate of candidates) {
        const distance = editDistance(target, candidate.toLowerCase());
        if (distance < bestDistance) {
            best = candidate;
            bestDistance = distance;
        }
    }
    return bestDistance <= Math.max(2, Math.floor(target.length / 3)) ? best : undefined;
}
/** Levenshtein distance with adjacent transpositions (optimal string alignment). */
function editDistance(a, b) {
    const rows = a.length + 1;
    const cols = b.length + 1;
    const d = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
    for (let i = 1; i < rows; i++) {
        for (let j = 1; j < cols; j++) {
            const cost = a[i - 1] === b[j - 1] ? 0 : 1;
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
                d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
    }
    return d[rows - 1][cols - 1];
}

;// CONCATENATED MODULE: ./src/inputs/hyperparameter-inputs.ts




const SPEC_BY_KEY = new Map(HYPERPARAMETERS.map((s) => [s.key, s]));
/** The parser for the hyperparameters input's text; undefined when it is empty. */
async function yamlParserFor(text) {
    return text.trim() === '' ? undefined : __nccwpck_require__.e(/* import() */ 815).then(__nccwpck_require__.t.bind(__nccwpck_require__, 38815, 19));
}
/** In words, what a hyperparameter accepts. */
function describeAllowed(spec) {
    switch (spec.type) {
        case 'Boolean':
            return BOOLEAN_ALLOWED;
        case 'String':
            return spec.oneOf ? `one of ${spec.oneOf.join(', ')}` : 'a non-empty string';
        case 'Int': {
            const multiple = spec.multipleOf === undefined ? '' : `, a multiple of ${spec.multipleOf}`;
            return `an integer (decimal digits, optional sign)${describeRange(spec)}${multiple}`;
        }
        case 'Float':
            return `a decimal number (like 0.5 or 5e-6)${describeRange(spec)}`;
    }
}
function describeRange(spec) {
    const { min, max, minExclusive, maxExclusive } = spec;
    if (min !== undefined && max !== undefined) {
        if (!minExclusive && !maxExclusive)
            return ` from ${min} to ${max}`;
        return ` with ${min} ${minExclusive ? '<' : '<='} x ${maxExclusive ? '<' : '<='} ${max}`;
    }
    if (min !== undefined)
        return ` ${minExclusive ? '>' : '>='} ${min}`;
    if (max !== undefined)
        return ` ${maxExclusive ? '<' : '<='} ${max}`;
    return '';
}
function inRange(spec, value) {
    const { min, max, minExclusive, maxExclusive } = spec;
    if (min !== undefined && (value < min || (minExclusive && value === min)))
        return false;
    if (max !== undefined && (value > max || (maxExclusive && value === max)))
        return false;
    return true;
}
/**
 * Parses one hyperparameter from its text, as written in its input (already trimmed) or as a
 * string in the `hyperparameters` mapping. `inputName` names it in the error.
 */
function parseHyperparameterValue(spec, raw, inputName) {
    const fail = (what) => problem(inputName, `${what}; allowed: ${describeAllowed(spec)}`);
    switch (spec.type) {
        case 'Boolean':
            return parseBoolean(inputName, raw);
        case 'String': {
            if (raw.trim() === '')
                throw fail('is empty');
            if (spec.oneOf && !spec.oneOf.includes(raw)) {
                const near = suggest(raw, spec.oneOf);
                throw fail(`${show(raw)} is not allowed${near === undefined ? '' : ` (did you mean ${show(near)}?)`}`);
            }
            return raw;
        }
        case 'Int': {
            if (!INTEGER.test(raw))
                throw fail(`${show(raw)} is not an integer`);
            const value = Number(raw) || 0; // no -0
            if (!inRange(spec, value))
                throw fail(`${raw} is out of range`);
            if (spec.multipleOf !== undefined && value % spec.multipleOf !== 0) {
                throw fail(`${raw} is not a multiple of ${spec.multipleOf}`);
            }
            return value;
        }
        case 'Float': {
            const parsed = parseDecimal(raw);
            if (parsed === undefined)
                throw fail(`${show(raw)} is not a finite decimal number`);
            const value = parsed || 0; // no -0
            if (!inRange(spec, value))
                throw fail(`${raw} is out of range`);
            return value;
        }
    }
}
/** The 21 hyperparameter inputs, then the `hyperparameters` mapping, merged; a key set twice is an error. */
function readHyperparameters(read, yaml) {
    const problems = [];
    const fromInputs = new Map();
    const inputsGiven = new Set(); // even those whose value is refused
    for (const spec of HYPERPARAMETERS) {
        collectProblems(problems, () => {
            const raw = read(spec.input);
            if (raw === '')
                return;
            inputsGiven.add(spec.key);
            fromInputs.set(spec.key, parseHyperparameterValue(spec, raw, spec.input));
        });
    }
    const fromMapping = collectProblems(problems, () => readMapping(read('hyperparameters', { trim: false }), yaml)) ?? { values: new Map(), keysGiven: [], problems: [] };
    problems.push(...fromMapping.problems);
    for (const key of fromMapping.keysGiven) {
        if (inputsGiven.has(key)) {
            problems.push({
                input: INPUT,
                message: `${INPUT}: ${key} is set twice, by the input ${SPEC_BY_KEY.get(key)?.input} and by the key ${key} in hyperparameters; keep one`
            });
        }
    }
    if (problems.length > 0)
        throw new problems_InputError(problems);
    // In the seed's order, so the parameters sent read the same way every run.
    const merged = {};
    for (const { key } of HYPERPARAMETERS) {
        const value = fromInputs.get(key) ?? fromMapping.values.get(key);
        if (value !== undefined)
            merged[key] = value;
    }
    return merged;
}
/**
 * Parses the `hyperparameters` input: a YAML or JSON mapping of snake_case keys to values.
 * Returns only the keys set; throws an InputError listing every problem.
 */
async function parseHyperparameters(text) {
    const { values, problems } = readMapping(text, await yamlParserFor(text));
    if (problems.length > 0)
        throw new InputError(problems);
    return Object.fromEntries(values);
}
const INPUT = 'hyperparameters';
const EXAMPLE = 'like "learning_rate: 5e-6" on each line, or {"learning_rate": 5e-6}';
// DreamBoothInput fields that have their own inputs and are not training parameters.
const FIELDS_WITH_OWN_INPUT = {
    name: 'name',
    version: 'version',
    desc: 'description',
    instance_prompt: 'instance-prompt',
    class_prompt: 'class-prompt',
    datasets3objname: 'zip-name'
};
function readMapping(text, yaml) {
    const values = new Map();
    const keysGiven = [];
    const problems = [];
    const add = (message) => void problems.push({ input: INPUT, message: `${INPUT}: ${message}` });
    if (text.trim() === '' || !yaml)
        return { values, keysGiven, problems };
    const { isMap, isScalar, parseDocument } = yaml;
    // uniqueKeys (the default) makes a duplicate key an error
    const doc = parseDocument(text, { prettyErrors: true });
    for (const error of [...doc.errors, ...doc.warnings]) {
        // the first line names the fault and its line and column; the rest quotes the text
        add(`not valid YAML or JSON: ${error.message.split('\n')[0]}`);
    }
    if (problems.length > 0)
        return { values, keysGiven, problems };
    const contents = doc.contents;
    if (contents === null)
        return { values, keysGiven, problems }; // only comments
    if (!isMap(contents)) {
        add(`must be a mapping of parameter names to values (${EXAMPLE}), not ${describeNode(yaml, contents)}`);
        return { values, keysGiven, problems };
    }
    for (const pair of contents.items) {
        const keyNode = pair.key;
        if (!isScalar(keyNode) || typeof keyNode.value !== 'string') {
            add(`the key ${isScalar(keyNode) ? show(String(keyNode.value)) : describeNode(yaml, keyNode)} is not a parameter name; use snake_case names (${EXAMPLE})`);
            continue;
        }
        const key = keyNode.value;
        const spec = SPEC_BY_KEY.get(key);
        if (!spec) {
            add(unknownKeyMessage(key));
            continue;
        }
        const label = `${INPUT}.${key}`;
        const valueNode = pair.value;
        if (valueNode === null || (isScalar(valueNode) && valueNode.value === null))
            continue; // no value: not sent
        if (!isScalar(valueNode)) {
            keysGiven.push(key);
            add(`${key} is ${describeNode(yaml, valueNode)}; allowed: ${describeAllowed(spec)}`);
            continue;
        }
        const value = valueNode.value;
        if (typeof value === 'string' && value.trim() === '')
            continue; // empty, as for an input: not sent
        keysGiven.push(key);
        try {
            values.set(key, parseMappingScalar(spec, value, valueNode.source, label));
        }
        catch (error) {
            if (!(error instanceof problems_InputError))
                throw error;
            // the problem names `hyperparameters.<key>` in its line; its input is the mapping
            problems.push(...error.problems.map((p) => ({ input: INPUT, message: p.message })));
        }
    }
    return { values, keysGiven, problems };
}
/**
 * A YAML scalar keeps its type: a string is read like the input's text, a number must suit an
 * Int or Float as written (so 0x10 or 1.0 is no Int), a boolean only suits a Boolean.
 */
function parseMappingScalar(spec, value, source, label) {
    const wrongType = (what) => problem(INPUT, `${what}; allowed: ${describeAllowed(spec)}${spec.type === 'String' ? ' (quote it)' : ''}`, label);
    if (typeof value === 'string')
        return parseHyperparameterValue(spec, value.trim(), label);
    if (typeof value === 'number') {
        if (spec.type !== 'Int' && spec.type !== 'Float')
            throw wrongType(`${source ?? value} is a number`);
        return parseHyperparameterValue(spec, source ?? String(value), label);
    }
    if (typeof value === 'boolean') {
        if (spec.type !== 'Boolean')
            throw wrongType(`${source ?? value} is a boolean`);
        return value;
    }
    throw wrongType(`${show(String(source ?? value))} is not a number, boolean or string`);
}
function describeNode({ isMap, isScalar }, node) {
    if (isMap(node))
        return 'a mapping';
    if (isScalar(node))
        return `the single value ${show(String(node.source ?? node.value))}`;
    if (node && typeof node === 'object' && 'items' in node)
        return 'a list';
    return 'an alias or other YAML node';
}
function unknownKeyMessage(key) {
    const snake = key.toLowerCase().replaceAll('-', '_');
    if (SPEC_BY_KEY.has(snake))
        return `unknown key ${show(key)}; did you mean ${show(snake)}? (keys are snake_case)`;
    const ownInput = FIELDS_WITH_OWN_INPUT[snake];
    if (ownInput)
        return `${show(key)} is not a training parameter; set it with the input ${ownInput}`;
    const near = suggest(snake, [...SPEC_BY_KEY.keys()]);
    const hint = near === undefined ? `use one of ${[...SPEC_BY_KEY.keys()].join(', ')}` : `did you mean ${show(near)}?`;
    return `unknown key ${show(key)}; ${hint}`;
}

;// CONCATENATED MODULE: ./src/inputs/requirements.ts
// Which inputs a run needs depends on what it does: a dry run sends nothing (so a pull request
// from a fork, which gets no secrets, can run it), and attaching to a job with job-id skips the
// dataset. No input is needed in every mode, so action.yml marks them all `required: false` and
// this table is where "required" lives: getConfig checks it, the README test checks the examples
// against it, and a unit test checks that action.yml's descriptions say the same.

const INPUT_MODES = ['dry-run', 'attach', 'start'];
/** The inputs each needs, and the modes it is needed in. */
const NEEDED_IN = {
    'api-key': ['attach', 'start'],
    'api-url': ['attach', 'start'],
    'instance-images': ['dry-run', 'start'],
    name: ['dry-run', 'start'],
    'instance-prompt': ['dry-run', 'start'],
    'class-prompt': ['dry-run', 'start']
};
const MODE_PHRASE = {
    'dry-run': 'for a dry run (dry-run: true)',
    attach: 'to attach to a job (job-id)',
    start: 'to start a training'
};
/** What to do about a missing input, beyond giving it. */
const HINT = {
    'api-url': "give the GraphQL endpoint of a service that speaks the Tiyaro retraining API (there is no default: the seed's hosted endpoint no longer answers)"
};
const EXEMPT_PHRASE = {
    'dry-run': 'a dry run (dry-run: true)',
    attach: 'attaching to a job with job-id',
    start: 'starting a training'
};
/** The mode of a run from its job-id and dry-run inputs (both may be unreadable: then 'start'). */
function inputMode(jobId, dryRun) {
    if (jobId !== undefined)
        return 'attach';
    return dryRun === true ? 'dry-run' : 'start';
}
/** The inputs a run of this mode cannot do without. */
function neededInputs(mode) {
    return Object.entries(NEEDED_IN)
        .filter(([, modes]) => modes.includes(mode))
        .map(([name]) => name);
}
/** Why the input is required, naming the mode, and which mode could do without it. */
function requiredMessage(name, mode) {
    const exempt = INPUT_MODES.filter((other) => !(NEEDED_IN[name] ?? INPUT_MODES).includes(other));
    const without = exempt.length > 0 ? `; only ${exempt.map((m) => EXEMPT_PHRASE[m]).join(' or ')} can do without it` : '';
    const hint = HINT[name] ? `; ${HINT[name]}` : '';
    return `is required ${MODE_PHRASE[mode]} and was not given (or only whitespace)${hint}${without}`;
}
/**
 * The value when it is given; '' when this mode may leave it out; an InputError naming the mode
 * when this mode needs it. Whitespace-only counts as missing.
 */
function neededFor(mode, name, value) {
    if (value.trim() !== '')
        return value;
    if (!(NEEDED_IN[name] ?? INPUT_MODES).includes(mode))
        return '';
    throw problem(name, requiredMessage(name, mode));
}

;// CONCATENATED MODULE: ./src/inputs/read.ts
// The action's inputs: the only module that reads them, from the runner's INPUT_* variables
// (shared/runner-commands.ts's getInput, the only call of it) or from any other InputSource. It
// reads every input of action.yml, checks them all, and either returns one typed Config or throws
// one InputError that lists every problem, so the user fixes the workflow in one go. No I/O beyond
// reading the env.
// The values are parsed by parsers.ts and hyperparameter-inputs.ts.








/** a week: longer waits are a mistake in the workflow, not a training run */
const MAX_TIMEOUT_MINUTES = 360 * 24;
const MIN_POLL_INTERVAL_SECONDS = 0.1;
const MAX_POLL_INTERVAL_SECONDS = 3600;
const MIN_REQUEST_TIMEOUT_SECONDS = 0.5;
const MAX_REQUEST_TIMEOUT_SECONDS = 600;
const TIMEOUT_MINUTES = { min: 0, max: MAX_TIMEOUT_MINUTES, minExclusive: true };
const POLL_INTERVAL_SECONDS = { min: MIN_POLL_INTERVAL_SECONDS, max: MAX_POLL_INTERVAL_SECONDS };
const REQUEST_TIMEOUT_SECONDS = { min: MIN_REQUEST_TIMEOUT_SECONDS, max: MAX_REQUEST_TIMEOUT_SECONDS };
/** The action's inputs: the runner's INPUT_* variables. */
const actionInputs = (name) => runner_commands/* runner */.lj.getInput(name);
/**
 * Reads and checks every input from `source`. `env` supplies GITHUB_SHA and GITHUB_WORKSPACE.
 */
async function getConfig(source = actionInputs, env = process.env) {
    return readConfig(source, env, await yamlParserFor(source('hyperparameters')));
}
/** getConfig's checks with the YAML parser given (it is needed only when the hyperparameters input holds text). */
function readConfig(source, env, yaml) {
    // trimmed unless told, as @actions/core's getInput does by default
    const raw = (name, trim = true) => (trim ? source(name).trim() : source(name));
    const readInput = (name, options = {}) => withoutNul(name, raw(name, options.trim ?? true));
    // Mask the secrets before anything can print them, even an error about them.
    const rawApiKey = raw('api-key');
    maskSecret(rawApiKey);
    const rawGithubToken = raw('github-token');
    maskSecret(rawGithubToken);
    const problems = [];
    // Runs one check; on failure records its problems and returns a placeholder that is never
    // seen, since getConfig throws once any problem is recorded.
    const check = (read) => collectProblems(problems, read);
    const flag = (name, fallback) => check(() => parseBoolean(name, readInput(name) || fallback));
    const boundedNumber = (name, fallback, bounds) => check(() => parseBoundedNumber(name, readInput(name) || fallback, bounds));
    const workspace = env.GITHUB_WORKSPACE || process.cwd();
    const jobId = check(() => optional(readInput('job-id'), parseJobId));
    const dryRun = flag('dry-run', 'false');
    // A dry run sends nothing and attaching skips the dataset: what a mode does not use may be
    // left out (requirements.ts); '' stands for it then.
    const mode = inputMode(jobId, dryRun);
    const needed = (name, value) => neededFor(mode, name, value);
    const apiKey = check(() => (needed('api-key', rawApiKey) === '' ? '' : parseApiKey(rawApiKey)));
    const githubToken = check(() => (rawGithubToken === '' ? undefined : withoutNul('github-token', rawGithubToken)));
    const apiUrl = check(() => {
        const given = needed('api-url', readInput('api-url'));
        return given === '' ? '' : parseServiceUrl('api-url', given);
    });
    const instanceImages = check(() => {
        const given = needed('instance-images', readInput('instance-images'));
        return given === '' ? '' : (0,external_node_path_.resolve)(workspace, given);
    });
    const classImages = check(() => optional(readInput('class-images'), (path) => (0,external_node_path_.resolve)(workspace, path)));
    const name = check(() => needed('name', readInput('name')));
    const version = check(() => readInput('version') || defaultVersion(env));
    const description = check(() => optional(readInput('description', { trim: false }), (text) => text));
    const instancePrompt = check(() => needed('instance-prompt', readInput('instance-prompt', { trim: false })));
    const classPrompt = check(() => needed('class-prompt', readInput('class-prompt', { trim: false })));
    const hyperparameters = check(() => readHyperparameters(readInput, yaml));
    const zipName = check(() => {
        const given = readInput('zip-name');
        if (given !== '')
            return parseZipName(given);
        // Without a valid name and version the default means nothing; their own problems say why.
        if (name === undefined || name === '' || version === undefined)
            return '';
        return defaultZipName(name, version);
    });
    const wait = flag('wait', 'true');
    const timeoutMinutes = boundedNumber('timeout-minutes', '120', TIMEOUT_MINUTES);
    const pollIntervalSeconds = boundedNumber('poll-interval-seconds', '30', POLL_INTERVAL_SECONDS);
    const requestTimeoutSeconds = boundedNumber('request-timeout-seconds', '60', REQUEST_TIMEOUT_SECONDS);
    const cacheClassImages = flag('cache-class-images', 'true');
    const keepZip = flag('keep-zip', 'false');
    const artifactName = check(() => optional(readInput('artifact-name'), parseArtifactName));
    const commentOnPr = flag('comment-on-pr', 'false');
    const jobSummary = flag('job-summary', 'true');
    const samplePrompts = check(() => parseSamplePrompts(readInput('sample-prompts', { trim: false })));
    const classImageGeneratorUrl = check(() => optional(readInput('class-image-generator-url'), (url) => parseServiceUrl('class-image-generator-url', url)));
    if (jobId !== undefined && dryRun === true) {
        problems.push({
            input: 'job-id',
            message: 'job-id: cannot be used with dry-run: true, since a dry run makes no network call and so has no job to attach to; remove one of them'
        });
    }
    if (problems.length > 0) {
        throw new problems_InputError(problems.map((p) => ({ input: p.input, message: hideSecrets(p.message, [rawApiKey, rawGithubToken]) })));
    }
    return {
        apiKey,
        apiUrl,
        instanceImages,
        classImages,
        name,
        version,
        description,
        instancePrompt,
        classPrompt,
        hyperparameters,
        zipName,
        wait,
        timeoutMs: Math.round(timeoutMinutes * 60_000),
        pollIntervalMs: Math.round(pollIntervalSeconds * 1000),
        requestTimeoutMs: Math.round(requestTimeoutSeconds * 1000),
        jobId,
        cacheClassImages,
        dryRun,
        keepZip,
        artifactName,
        githubToken,
        commentOnPr,
        jobSummary,
        samplePrompts,
        classImageGeneratorUrl
    };
}
function maskSecret(secret) {
    if (secret === '')
        return;
    // through the log: it masks for the runner and keeps the secret out of every text shown
    shared_log/* log */.Rm.setSecret(secret);
    // The runner may not match a multi-line mask on the lines it prints one by one.
    for (const line of secret.split(/\r?\n/))
        if (line.trim() !== '' && line !== secret)
            shared_log/* log */.Rm.setSecret(line);
}
/** Removes the secrets from a message, both as given and as JSON-quoted by `show`. */
function hideSecrets(message, secrets) {
    const forms = secrets.filter((s) => s !== '').flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]);
    // redact takes the longest first, so a secret that contains another is hidden whole
    return (0,shared_secrets/* redact */.E$)(message, [...new Set(forms)]);
}
/** Model version when the input is empty: the commit's short SHA, else `1`. */
function defaultVersion(env) {
    const sha = (env.GITHUB_SHA ?? '').trim();
    return sha === '' ? '1' : sha.slice(0, 7);
}

;// CONCATENATED MODULE: ./src/inputs/index.ts
// The inputs layer's public face: what the rest of the action uses to read and check its inputs.
// Other layers import from here, never from the files behind it; the tests may reach further in.







;// CONCATENATED MODULE: ./src/services/idempotency-file.ts
// The command's re-run safety: --idempotency-file FILE records the job a `train` started, with
// the fingerprint of its zip and parameters (keys.ts). A later `train` given the same file, zip
// and parameters attaches to that job instead of creating, uploading and starting another, as a
// re-run of a workflow does. A recorded job that failed, or that the service does not know, is
// trained again; other images or parameters start a new job, which the file then records.









/** The record in the file's text; undefined when the text is not one. */
function parseIdempotencyRecord(text) {
    try {
        const value = JSON.parse(text);
        // the file is data from outside: the ID must look like one
        if (!isJobId(value.jobId) || typeof value.fingerprint !== 'string')
            return undefined;
        return value;
    }
    catch {
        return undefined;
    }
}
function idempotencyFile(path) {
    const fileLog = log.withNamespace(`Idempotency file ${path}`);
    return {
        mayHoldEarlierJob: () => existsSync(path),
        findEarlier: (report, jobStatus) => findRecordedJob(path, fileLog, report, jobStatus),
        async record(report) {
            const { jobId, zip, parametersSent } = report;
            if (!jobId || !zip || !parametersSent)
                return;
            const record = {
                jobId,
                fingerprint: runFingerprint(zip.sha256, parametersSent),
                zipSha256: zip.sha256,
                startedAt: new Date().toISOString()
            };
            const failed = {
                warning: (message) => `Could not record job ${jobId} in the idempotency file ${path} (${message}); running train again would start another training.`,
                fallback: undefined
            };
            await bestEffort(failed, async () => {
                await mkdir(dirname(path), { recursive: true });
                // written beside it and renamed: a run stopped half-way never leaves half a record
                const partial = `${path}.${process.pid}.partial`;
                await writeFile(partial, `${JSON.stringify(record, null, 2)}\n`);
                await rename(partial, path);
                fileLog.info(`recorded job ${jobId}; train with this file, zip and parameters attaches to it.`);
            });
        }
    };
}
async function findRecordedJob(path, fileLog, report, jobStatus) {
    if (!report.zip || !report.parametersSent)
        return undefined;
    let text;
    try {
        text = await readFile(path, 'utf8');
    }
    catch (error) {
        if (error.code !== 'ENOENT')
            throw new Error(`idempotency-file: ${errorMessage(error)}`);
        fileLog.info('no job recorded yet; starting a new training.');
        return undefined;
    }
    const record = parseIdempotencyRecord(text);
    // the user asked never to train twice: a file that cannot say whether a job ran stops the run
    if (!record) {
        throw new InputError({
            input: 'idempotency-file',
            message: `idempotency-file: ${path} holds no job record of tiyaro-dreambooth; nothing was started. Remove it or give another file.`
        });
    }
    if (record.fingerprint !== runFingerprint(report.zip.sha256, report.parametersSent)) {
        fileLog.info(`job ${record.jobId} was started with another zip or other parameters; starting a new training.`);
        return undefined;
    }
    try {
        const status = await jobStatus(record.jobId);
        if (!attachable(status)) {
            fileLog.info(`job ${record.jobId} is ${status.statusEnum}; starting a new training.`);
            return undefined;
        }
    }
    catch (error) {
        // a second training is the worse mistake: the wait asks again
        fileLog.info(`the status of job ${record.jobId} is unknown (${errorMessage(error)}); attaching to it all the same.`);
    }
    fileLog.info(`job ${record.jobId} was started with the same zip and parameters; attaching to it: no new job is created, uploaded or started.`);
    return record.jobId;
}

;// CONCATENATED MODULE: ./src/services/index.ts
// The services layer's public face: the interface the pipeline receives for what a run keeps
// between runs, the key rules every implementation follows, and the command's local
// implementations (a folder cache and an idempotency file). src/github/ implements the same
// interface on the Actions cache.




;// CONCATENATED MODULE: ./src/github/cache-store.ts
// The Actions cache (@actions/cache), as the class-image cache and the re-run record use it:
// one folder saved or restored under one key.
//
// Why a staging root: @actions/cache writes each path into its tar relative to GITHUB_WORKSPACE
// and extracts it relative to GITHUB_WORKSPACE again, and an entry's "version" (part of its
// identity) is a hash of the path strings exactly as given. An absolute path under RUNNER_TEMP
// would give another version wherever RUNNER_TEMP lies elsewhere (self-hosted runners, tests),
// and a path relative to the workspace would restore into the saving job's folder. So each call
// runs with one fixed folder under RUNNER_TEMP as both the working directory and GITHUB_WORKSPACE,
// and names the cached folder by a fixed relative name inside it: the same path string, tar
// entries and version on every runner. Callers link or copy files in before a save and move them
// out after a restore. The root is a subfolder: in RUNNER_TEMP itself the library writes its
// archive while tar reads the folder.





const CACHE_ROOT_NAME = 'tiyaro-dreambooth-cache';
/** The staging root of every cached folder. */
function cacheRoot(env = process.env) {
    return (0,external_node_path_.join)(runnerTemp(env), CACHE_ROOT_NAME);
}
/** Where a cached folder of this name lives while it is saved or restored. */
function cachedFolderPath(name, env = process.env) {
    return (0,external_node_path_.join)(cacheRoot(env), name);
}
/**
 * Whether the runner offers the cache service @actions/cache will use, told from the environment
 * alone so a run without one does not load the library. The library uses the newer service
 * (ACTIONS_RESULTS_URL) only when ACTIONS_CACHE_SERVICE_V2 is set and never on an enterprise
 * server; else the older one (ACTIONS_CACHE_URL), which is what works on GHES.
 */
function cacheServiceAvailable(env = process.env) {
    if (!env.ACTIONS_RUNTIME_TOKEN)
        return false;
    const newer = Boolean(env.ACTIONS_CACHE_SERVICE_V2) && !isEnterpriseServer(env);
    return Boolean(newer ? env.ACTIONS_RESULTS_URL : env.ACTIONS_CACHE_URL);
}
let saidNoCacheService = false;
/**
 * cacheServiceAvailable, and when there is none says so: once a run as a warning on an Actions
 * runner (GHES without its cache, a runner of another kind), as information on a machine that is
 * no runner at all (no ACTIONS_RUNTIME_TOKEN: a local run). `lost` says what the user goes without.
 */
function cacheServiceOrSay(lost, env = process.env) {
    if (cacheServiceAvailable(env))
        return true;
    if (!env.ACTIONS_RUNTIME_TOKEN) {
        shared_log/* log */.Rm.info(`Not on an Actions runner (no ACTIONS_RUNTIME_TOKEN), so no Actions cache: ${lost}.`);
        return false;
    }
    const why = isEnterpriseServer(env)
        ? `${env.GITHUB_SERVER_URL} is not github.com, and ACTIONS_CACHE_URL, the cache service used there, is not set`
        : 'neither ACTIONS_CACHE_URL nor ACTIONS_RESULTS_URL with ACTIONS_CACHE_SERVICE_V2 is set';
    if (saidNoCacheService)
        shared_log/* log */.Rm.info(`No Actions cache service: ${lost}.`);
    else
        shared_log/* log */.Rm.warning(`This runner offers no Actions cache service (${why}): ${lost}. The run goes on without it.`);
    saidNoCacheService = true;
    return false;
}
// The working directory and GITHUB_WORKSPACE are process-wide: one call at a time.
let queue = Promise.resolve();
async function inCacheRoot(body) {
    const run = queue.then(async () => {
        const cache = await Promise.all(/* import() */[__nccwpck_require__.e(752), __nccwpck_require__.e(538), __nccwpck_require__.e(91)]).then(__nccwpck_require__.bind(__nccwpck_require__, 18091));
        const root = cacheRoot();
        await (0,promises_.mkdir)(root, { recursive: true });
        const previousCwd = process.cwd();
        const previousWorkspace = process.env.GITHUB_WORKSPACE;
        process.chdir(root);
        process.env.GITHUB_WORKSPACE = root;
        try {
            return await body(cache);
        }
        finally {
            process.chdir(previousCwd);
            if (previousWorkspace === undefined)
                delete process.env.GITHUB_WORKSPACE;
            else
                process.env.GITHUB_WORKSPACE = previousWorkspace;
        }
    });
    queue = run.catch(() => undefined);
    return run;
}
/**
 * Restores the newest entry whose key starts with `keyPrefix` (or is it) into the cached folder
 * `name`, emptied first. Returns the key restored, or undefined on a miss. With `lookupOnly`,
 * only asks whether such an entry exists. The library logs its own failures as warnings.
 */
async function restoreFolder(name, keyPrefix, options = {}) {
    const folder = cachedFolderPath(name);
    if (!options.lookupOnly)
        await (0,promises_.rm)(folder, { recursive: true, force: true });
    return inCacheRoot((cache) => cache.restoreCache([name], keyPrefix, [], { lookupOnly: options.lookupOnly === true }));
}
/**
 * Saves the cached folder `name` under `key`. True when saved; false when not (another job
 * saved the key first, which the library logs as info, or an error it logs as a warning).
 */
async function saveFolder(name, key) {
    const id = await inCacheRoot((cache) => cache.saveCache([name], key));
    return id > 0;
}
/** Removes the cached folder; a leftover is harmless, so a failure only shows in the debug log. */
async function removeCachedFolder(name) {
    await (0,promises_.rm)(cachedFolderPath(name), { recursive: true, force: true }).catch((error) => shared_log/* log */.Rm.debug(`Could not remove ${name}: ${error.message}`));
}

;// CONCATENATED MODULE: ./src/github/class-cache.ts
// The class-image cache on GitHub: one set of class images per (model, class prompt,
// resolution), kept in the Actions cache so that later runs and the other concepts of a matrix
// reuse it. The keys and when to restore or save are src/services/keys.ts, shared with the
// command's folder cache. The images are cached flat, under the names they have in the zip, so a
// restore gives the same `dataset_class/` entries.







/** The cached folder's name under the cache root (part of every entry's version: never change it). */
const CLASS_CACHE_FOLDER = 'class-images';
/**
 * Before the scan: when the cache is on and `class-images` is not set, or names a missing or
 * empty folder, restores the newest cached class images for this purpose into it (or, when not
 * set, into a folder under RUNNER_TEMP). Never fails the run: on a miss or an error the folder
 * stays as it was.
 */
async function restoreClassImages(config) {
    const given = { classDir: config.classImages, fromCache: false };
    if (!(await keys_wantsRestore(config)))
        return given;
    if (!cacheServiceOrSay('no cached class images are restored (cache-class-images: false turns the cache off)'))
        return given;
    return shared_log/* log */.Rm.group('Restore class images', () => class_cache_restoreInto(config, given));
}
async function class_cache_restoreInto(config, given) {
    const started = Date.now();
    const prefix = keys_classCacheKeyPrefix(keys_classImagePurpose(config));
    const failed = {
        warning: (message) => `Class-image cache: could not restore (${message}); going on without cached class images.`,
        fallback: given,
        cleanup: () => removeCachedFolder(CLASS_CACHE_FOLDER)
    };
    return best_effort_bestEffort(failed, async () => {
        const key = await restoreFolder(CLASS_CACHE_FOLDER, prefix);
        if (key === undefined) {
            shared_log/* log */.Rm.info(`Class-image cache: no entry for ${prefix}* (same model, class prompt and resolution); no class images restored.`);
            return given;
        }
        const classDir = config.classImages ?? keys_restoredClassFolder();
        // a folder of our own is emptied first: an earlier step of the job may have left images in it
        if (config.classImages === undefined)
            await (0,promises_.rm)(classDir, { recursive: true, force: true });
        const count = await moveFiles(cachedFolderPath(CLASS_CACHE_FOLDER), classDir);
        shared_log/* log */.Rm.info(`Class-image cache: restored ${count} class images from key ${key} into ${classDir} in ${(0,format/* formatDuration */.a3)(Date.now() - started)}.`);
        return { classDir, fromCache: true, restoredKey: key };
    });
}
/**
 * After the zip is built: saves the class images under their key when it is new. Skipped when
 * they are exactly what was restored (images added to a restored set make a new key); a save
 * that fails or loses a race only logs.
 */
async function saveClassImages(config, dataset, archive, source) {
    const key = keys_keyToSave(config, dataset, archive, source);
    if (key === undefined)
        return;
    if (!cacheServiceOrSay('the class images are not cached for later runs (cache-class-images: false turns the cache off)'))
        return;
    await shared_log/* log */.Rm.group('Cache class images', () => saveImages(key, dataset));
}
async function saveImages(key, dataset) {
    const started = Date.now();
    const count = dataset.class.length;
    const failed = {
        warning: (message) => `Class-image cache: could not save the class images (${message}); the run goes on.`,
        fallback: undefined,
        cleanup: () => removeCachedFolder(CLASS_CACHE_FOLDER)
    };
    await best_effort_bestEffort(failed, async () => {
        // one small request instead of packing and uploading the images for nothing
        if ((await restoreFolder(CLASS_CACHE_FOLDER, key, { lookupOnly: true })) === key) {
            shared_log/* log */.Rm.info(`Class-image cache: the ${count} class images are cached already under key ${key}.`);
            return;
        }
        const folder = cachedFolderPath(CLASS_CACHE_FOLDER);
        await (0,promises_.rm)(folder, { recursive: true, force: true });
        await (0,promises_.mkdir)(folder, { recursive: true });
        for (const image of dataset.class)
            await class_cache_placeFile(image.sourcePath, (0,external_node_path_.join)(folder, keys_cachedImageName(image.entryName)));
        if (await saveFolder(CLASS_CACHE_FOLDER, key)) {
            shared_log/* log */.Rm.info(`Class-image cache: saved ${count} class images under key ${key} in ${(0,format/* formatDuration */.a3)(Date.now() - started)}.`);
        }
        else {
            shared_log/* log */.Rm.info(`Class-image cache: the class images were not saved under key ${key} (see above); the run goes on.`);
        }
    });
}
async function listFiles(dir) {
    return (await (0,promises_.readdir)(dir, { withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => entry.name);
}
/** Moves the restored images into the user's folder; returns how many. */
async function moveFiles(from, to) {
    await (0,promises_.mkdir)(to, { recursive: true });
    const names = await listFiles(from);
    for (const name of names) {
        try {
            await (0,promises_.rename)((0,external_node_path_.join)(from, name), (0,external_node_path_.join)(to, name));
        }
        catch (error) {
            if (error.code !== 'EXDEV')
                throw error;
            await (0,promises_.copyFile)((0,external_node_path_.join)(from, name), (0,external_node_path_.join)(to, name));
        }
    }
    return names.length;
}
/** A hard link where the file system allows it (no bytes copied), else a copy. */
async function class_cache_placeFile(source, target) {
    const real = await (0,promises_.realpath)(source);
    try {
        await (0,promises_.link)(real, target);
    }
    catch {
        await (0,promises_.copyFile)(real, target);
    }
}
/** The class-image cache of a run on GitHub Actions. */
const actionsClassImageCache = { restore: restoreClassImages, save: saveClassImages };

;// CONCATENATED MODULE: ./src/github/rerun.ts
// Re-run safety: "Re-run jobs" after a timeout or a lost runner must not pay for a second
// training. Just before the start is sent, the job's ID is recorded in the Actions cache under
//   tiyaro-dreambooth-job-<GITHUB_RUN_ID>-<fingerprint of the zip's sha256 and the parameters>-<attempt>
// and an attempt above 1 with the same zip and parameters looks up the newest record of its run
// (the key without the attempt) and attaches to that job instead of creating, uploading and
// starting another. A recorded job that the service says failed, or does not know (its start
// never went through), is not attached to: re-running a failed training is asking for a new one.







const JOB_RECORD_KEY_PREFIX = 'tiyaro-dreambooth-job-';
/** The cached folder's name under the cache root (part of every entry's version: never change it). */
const JOB_RECORD_FOLDER = 'job-record';
const RECORD_FILE = 'job.json';
/** The key of every attempt's record of this run and fingerprint, ending in '-'. */
function jobRecordKeyPrefix(runId, fingerprint) {
    return `${JOB_RECORD_KEY_PREFIX}${runId}-${fingerprint}-`;
}
function jobRecordKey(runId, fingerprint, attempt) {
    return `${jobRecordKeyPrefix(runId, fingerprint)}${attempt}`;
}
/** GITHUB_RUN_ATTEMPT as a number; 1 when not set or not a positive integer. */
function runAttempt(env = process.env) {
    const attempt = Number(env.GITHUB_RUN_ATTEMPT);
    return Number.isInteger(attempt) && attempt > 0 ? attempt : 1;
}
function parseJobRecord(text) {
    try {
        const value = JSON.parse(text);
        if (typeof value.jobId !== 'string' || value.jobId === '' || typeof value.zipSha256 !== 'string')
            return undefined;
        return value;
    }
    catch {
        return undefined;
    }
}
function identify(report, env) {
    const runId = env.GITHUB_RUN_ID;
    if (!runId || !report.zip || !report.parametersSent)
        return undefined;
    return {
        runId,
        attempt: runAttempt(env),
        fingerprint: keys_runFingerprint(report.zip.sha256, report.parametersSent),
        zipSha256: report.zip.sha256
    };
}
/** True when this is a re-run whose earlier attempts may have recorded a job. */
function isReRun(env = process.env) {
    return runAttempt(env) > 1 && Boolean(env.GITHUB_RUN_ID);
}
/**
 * On a re-run (GITHUB_RUN_ATTEMPT above 1): the job an earlier attempt of this run started with
 * the same zip and parameters, when it may be attached to; else undefined. `jobStatus` asks the
 * service; when it cannot answer, the job is attached to (the wait asks again), since a second
 * training is the worse mistake.
 */
async function findEarlierAttemptJob(report, jobStatus, env = process.env) {
    const run = identify(report, env);
    if (!run || run.attempt <= 1)
        return undefined;
    if (!cacheServiceOrSay('a re-run cannot find the job an earlier attempt started, so it starts a new one', env))
        return undefined;
    const prefix = jobRecordKeyPrefix(run.runId, run.fingerprint);
    const failed = {
        warning: (message) => `Re-run: could not read the record of an earlier attempt (${message}); starting a new job.`,
        fallback: undefined,
        cleanup: () => removeCachedFolder(JOB_RECORD_FOLDER)
    };
    const record = await best_effort_bestEffort(failed, async () => {
        const key = await restoreFolder(JOB_RECORD_FOLDER, prefix);
        if (key === undefined) {
            shared_log/* log */.Rm.info(`Re-run (attempt ${run.attempt}): no earlier attempt of run ${run.runId} started a job with this zip and these parameters.`);
            return undefined;
        }
        const found = parseJobRecord(await (0,promises_.readFile)((0,external_node_path_.join)(cachedFolderPath(JOB_RECORD_FOLDER), RECORD_FILE), 'utf8'));
        if (!found || found.zipSha256 !== run.zipSha256) {
            shared_log/* log */.Rm.warning(`Re-run: the record under cache key ${key} is not usable; starting a new job.`);
            return undefined;
        }
        return found;
    });
    if (!record)
        return undefined;
    try {
        const status = await jobStatus(record.jobId);
        if (!keys_attachable(status)) {
            shared_log/* log */.Rm.info(`Re-run: job ${record.jobId} of attempt ${record.runAttempt} is ${status.statusEnum}; starting a new training.`);
            return undefined;
        }
    }
    catch (error) {
        shared_log/* log */.Rm.info(`Re-run: the status of job ${record.jobId} is unknown (${(0,errors/* errorMessage */.g)(error)}); attaching to it all the same.`);
    }
    shared_log/* log */.Rm.info(`Re-run (attempt ${run.attempt}): attempt ${record.runAttempt} started job ${record.jobId} with the same zip and parameters; ` +
        'attaching to it: no new job is created, uploaded or started.');
    return record.jobId;
}
/** Just before the start is sent: records the job for later attempts of this run. Never throws. */
async function recordStartedJob(report, env = process.env) {
    const run = identify(report, env);
    if (!run || !report.jobId || !cacheServiceAvailable(env))
        return;
    const key = jobRecordKey(run.runId, run.fingerprint, run.attempt);
    const record = {
        jobId: report.jobId,
        runId: run.runId,
        runAttempt: run.attempt,
        zipSha256: run.zipSha256,
        startedAt: new Date().toISOString()
    };
    const failed = {
        warning: (message) => `Could not record job ${report.jobId} for re-runs: ${message}`,
        fallback: undefined,
        cleanup: () => removeCachedFolder(JOB_RECORD_FOLDER)
    };
    await best_effort_bestEffort(failed, async () => {
        const folder = cachedFolderPath(JOB_RECORD_FOLDER);
        await (0,promises_.mkdir)(folder, { recursive: true });
        await (0,promises_.writeFile)((0,external_node_path_.join)(folder, RECORD_FILE), `${JSON.stringify(record)}\n`);
        if (await saveFolder(JOB_RECORD_FOLDER, key))
            shared_log/* log */.Rm.info(`Recorded job ${report.jobId} for re-runs of this run (cache key ${key}).`);
        else
            shared_log/* log */.Rm.info(`Job ${report.jobId} was not recorded for re-runs (see above).`);
    });
}
/** The re-run record of a run on GitHub Actions. */
const actionsJobRecord = {
    mayHoldEarlierJob: () => isReRun(),
    findEarlier: (report, jobStatus) => findEarlierAttemptJob(report, jobStatus),
    record: (report) => recordStartedJob(report)
};

;// CONCATENATED MODULE: ./src/github/services.ts


const actionsRunServices = {
    classImageCache: actionsClassImageCache,
    jobRecord: actionsJobRecord,
    attachHint: (jobId) => `Attach to it later with the input job-id: ${jobId}`
};

;// CONCATENATED MODULE: ./src/github/index.ts
// The GitHub side's public face: what only a run on GitHub Actions adds around the training
// (the class-image cache, the re-run record, the artifact, the pull-request comment). Each of
// these is best effort: it warns and the run goes on.




// EXTERNAL MODULE: ./src/tiyaro/index.ts + 10 modules
var tiyaro = __nccwpck_require__(63280);
;// CONCATENATED MODULE: ./src/run-context.ts



/** Raised to end the run with a failed step; its message is the step's error. */
class RunFailure extends Error {
}
/** The run's shared parts; the deadline starts now. */
function newRunContext(config, report, signal, services) {
    const deadline = Date.now() + config.timeoutMs;
    const retry = retryOptions(deadline, signal);
    const { apiUrl: url, apiKey, requestTimeoutMs } = config;
    const api = new tiyaro/* TiyaroApi */.xe({ url, apiKey, requestTimeoutMs, retry });
    return { config, report, api, signal, deadline, retry, services };
}
/** Retries that end at `deadline` or when `signal` aborts, each one logged with its reason. */
function retryOptions(deadline, signal) {
    return {
        deadline,
        signal,
        onRetry: ({ what, attempt, delayMs, error }) => {
            // errors made here already start with the call's name
            const reason = error.message.startsWith(`${what}:`) ? error.message : `${what}: ${error.message}`;
            shared_log/* log */.Rm.info(`${reason}; trying again in ${(0,format/* formatDuration */.a3)(delayMs)} (attempt ${attempt + 1})`);
        }
    };
}

;// CONCATENATED MODULE: ./src/run-end.ts
// How a run ends once it has a job: the wait with one log line per check, then what each outcome
// means — the models read (and sampled) when done, a RunFailure with the service's message when
// failed or unknown, the way to attach later when the time ran out or the run was cancelled.






async function waitWithLog({ config, api, deadline, signal }, jobId) {
    const every = (0,format/* formatDuration */.a3)(config.pollIntervalMs);
    shared_log/* log */.Rm.info(`Checking job ${jobId} every ${every}, until ${new Date(deadline).toISOString()}`);
    return (0,tiyaro/* waitForJob */.qt)(api, {
        jobId,
        deadline,
        pollIntervalMs: config.pollIntervalMs,
        signal,
        onCheck: ({ check, elapsedMs, status, error }) => {
            const elapsed = (0,format/* formatDuration */.a3)(elapsedMs);
            if (error)
                shared_log/* log */.Rm.info(`[${elapsed}] check ${check}: no answer (${error.message}); next check in ${every}`);
            else
                shared_log/* log */.Rm.info(`[${elapsed}] check ${check}: ${status?.statusEnum ?? 'unknown'}`);
        }
    });
}
async function finish(context, jobId, outcome) {
    const { config, report, api, signal, services } = context;
    report.jobStatus = outcome.status;
    const attachHint = services.attachHint(jobId);
    switch (outcome.kind) {
        case 'done': {
            report.models = await phase(report, 'Read models', () => api.getModels(jobId));
            report.apiRevision = api.apiRevision;
            const [first] = report.models;
            if (!first) {
                report.status = 'failed';
                throw new RunFailure(`Job ${jobId} is done but the service lists no retrained model for it.`);
            }
            report.status = 'done';
            for (const model of report.models)
                shared_log/* log */.Rm.info(`Model ${model.name} ${model.version}: ${model.url} (card: ${model.modelCard})`);
            if (config.samplePrompts.length > 0) {
                // a failed sample only warns: the training has succeeded
                const { SAMPLES_TIME_LIMIT_MS, sampleTrainedModel, samplesDir } = await __nccwpck_require__.e(/* import() */ 131).then(__nccwpck_require__.bind(__nccwpck_require__, 26131));
                const retry = retryOptions(Date.now() + SAMPLES_TIME_LIMIT_MS, signal);
                const dir = samplesDir(workDir(), jobId);
                report.sampleImages = await phase(report, 'Sample images', () => sampleTrainedModel(config, first, dir, retry));
            }
            return;
        }
        case 'failed':
            report.status = 'failed';
            report.errorMessage = outcome.status.errMsg || 'the service gave no reason';
            throw new RunFailure(`Training job ${jobId} failed: ${report.errorMessage}`);
        case 'notfound':
            report.status = 'notfound';
            report.errorMessage = outcome.status.errMsg || `job ${jobId} not found`;
            throw new RunFailure(`Job ${jobId} was not found by the service: ${report.errorMessage}`);
        case 'timed-out':
            report.status = 'timed-out';
            report.errorMessage = `Job ${jobId} did not end within ${config.timeoutMs / 60000} minutes; it goes on running at the service. ${attachHint}`;
            throw new RunFailure(report.errorMessage);
        case 'cancelled':
            report.status = 'cancelled';
            report.errorMessage = `The run was cancelled while job ${jobId} was running; the job goes on. ${attachHint}`;
            throw new RunFailure(report.errorMessage);
    }
}

;// CONCATENATED MODULE: ./src/zip-upload.ts
// The zip's part of a run. The checked images become the zip in one pass wherever it is needed:
// into the upload's body (each try of the upload makes it again, to the same bytes), to disk for
// a dry run, or through the hash alone when a re-run looks for its earlier attempt's job. The
// first whole pass also gives what follows it: the report's zip, the duplicate warnings and the
// class-image cache key, all from the size and CRC-32 of each image taken on the way.




/** A pass of the zip that nothing uploads: to disk (a dry run) or for its sha256 (a re-run). */
async function buildZip(context, prepared) {
    const made = await prepared.zip.build();
    shared_log/* log */.Rm.info(`${made.path || 'The zip'}: ${made.bytes} bytes, sha256 ${made.sha256}`);
    await zipMade(context, prepared, made);
}
/** What follows the first whole pass: the report, the warnings found on the way, the class-image cache. */
async function zipMade({ config, report, services }, prepared, made) {
    report.zip = zipInfo(made);
    if (prepared.followedUp)
        return;
    prepared.followedUp = true;
    annotate(prepared.dataset, made, config);
    // the pass took each image's fingerprint, which the cache key reuses
    await services.classImageCache.save(config, prepared.dataset, made, prepared.classImages);
}
function zipInfo({ path, sha256, bytes }) {
    return { path, sha256, bytes };
}
/** Warnings that save a paid training, as file annotations. */
function annotate(dataset, archive, config) {
    const resolution = typeof config.hyperparameters.resolution === 'number' ? config.hyperparameters.resolution : src_dataset/* DEFAULT_RESOLUTION */.Tn;
    const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
    for (const warning of (0,src_dataset/* checkDataset */.$F)(dataset, archive, { resolution })) {
        shared_log/* log */.Rm.warning(warning.message, warning.file ? { file: (0,external_node_path_.relative)(workspace, warning.file) } : undefined);
    }
}
/** The zip, made as it is sent; a retry makes it again from the images, to the same bytes. */
async function uploadDataset(context, jobId, firstUrl, prepared) {
    const { config, api, retry, services } = context;
    const { zip } = prepared;
    const progress = services.onUploadProgress;
    const onProgress = progress && ((sent) => progress.call(services, sent, zip.bytes));
    let url = firstUrl;
    const upload = async () => {
        const target = await (url ?? api.getJobInputUrl(jobId, config.zipName));
        url = undefined;
        return (0,tiyaro/* uploadZip */.xR)(target, { source: zip, idleTimeoutMs: config.requestTimeoutMs, retry, onProgress });
    };
    shared_log/* log */.Rm.info(`Zipping ${zip.bytes} bytes into the upload as ${config.zipName}`);
    let made;
    try {
        made = await upload();
    }
    catch (error) {
        if (!(error instanceof tiyaro/* UploadRefusedError */.I2))
            throw error;
        // An expired or refused URL gets one fresh one: the storage said no, not the network.
        shared_log/* log */.Rm.info(`${error.message}; asking for a fresh upload URL`);
        made = await upload();
    }
    finally {
        // a whole pass made the zip even when its upload failed: its size and sha256 are known
        if (zip.made)
            context.report.zip ??= zipInfo(zip.made);
    }
    shared_log/* log */.Rm.info(`Uploaded ${made.bytes} bytes as ${config.zipName}, sha256 ${made.sha256}${made.path ? `; a copy is at ${made.path}` : ''}`);
    await zipMade(context, prepared, made);
}

;// CONCATENATED MODULE: ./src/pipeline.ts
// The run itself: inputs → dataset → archive → tiyaro (create, upload, start, wait) → report,
// with the services its face passes in (class-image cache, record of started jobs: the Actions
// cache for the action, local files for the command) and the paid extras (class-image
// generation, sample images) beside it. `obtainJob` decides how this run gets its job; the rest
// of the run follows from the mode it returns. The zip's passes are in zip-upload.ts, the shared
// context in run-context.ts, the wait and its outcome in run-end.ts.










/** A face's way in: what it hands over (config, report, signal, services) becomes the run's context. */
function entry(body) {
    return async (...args) => body(newRunContext(...args));
}
/** The run: gets the job as obtainJob decides, then waits for it unless told not to. */
const runPipeline = entry(async (context) => {
    const { config, report, api, services } = context;
    const mode = await obtainJob(context);
    switch (mode.kind) {
        case 'dry-run':
            report.status = 'dry-run';
            shared_log/* log */.Rm.info('Dry run: inputs and images are valid and the zip is built. No request was made.');
            return;
        case 'attached':
        case 're-run':
            report.attachedTo = mode.kind === 'attached' ? 'job-id' : 're-run';
            break;
        case 'started':
            break;
    }
    report.jobId = mode.jobId;
    // a job given as job-id is attached to in order to wait for it; wait: false is for new starts
    if (!config.wait && mode.kind !== 'attached') {
        report.status = 'running';
        shared_log/* log */.Rm.info(`Not waiting for the training to end. ${services.attachHint(mode.jobId)}`);
        return;
    }
    const outcome = await phase(report, 'Wait for training', () => waitWithLog(context, mode.jobId));
    report.apiRevision = api.apiRevision;
    await finish(context, mode.jobId, outcome);
});
/** One status check of the job given as job-id (the command's `status`): its state, and its models when done. */
const checkJob = entry(async (context) => {
    const { config, report, api } = context;
    const jobId = config.jobId;
    if (jobId === undefined)
        throw new RunFailure('No job ID to check.');
    report.jobId = jobId;
    const status = await phase(report, 'Check status', () => api.getJobStatus(jobId));
    shared_log/* log */.Rm.info(`Job ${jobId}: ${status.statusEnum ?? 'no status yet'}`);
    if ((0,tiyaro/* isFinal */.dR)(status))
        return finish(context, jobId, { kind: status.statusEnum, status });
    report.jobStatus = status;
    report.status = 'running';
});
/** Decides how this run gets its job, and does what that takes (zip, create, upload, start). */
async function obtainJob(context) {
    const { config, report, api, services } = context;
    if (config.jobId) {
        report.jobId = config.jobId;
        shared_log/* log */.Rm.info(`Attaching to job ${config.jobId}: no images are uploaded and no training is started.`);
        return { kind: 'attached', jobId: config.jobId };
    }
    // The moment the images have passed their checks (no request is made before), the job is
    // created and its upload URL asked for (the API revision too) while the rest of the
    // preparation goes on: a created job costs nothing until it is started. Not when an earlier run
    // may have recorded this run's job: that one is looked for first.
    const reRun = !config.dryRun && services.jobRecord.mayHoldEarlierJob();
    let early;
    const prepared = await prepareZip(context, () => {
        if (!config.dryRun && !reRun)
            early = createJob(context);
    });
    const parameters = (0,tiyaro/* dreamboothInput */.gN)(config);
    report.parametersSent = parameters;
    if (config.dryRun) {
        await phase(report, 'Build zip', () => buildZip(context, prepared));
        return { kind: 'dry-run' };
    }
    if (reRun) {
        // the earlier run's record is found by the zip's sha256: a pass for the hash comes first
        await phase(report, 'Build zip', () => buildZip(context, prepared));
        const earlierJob = await phase(report, 'Find the job of an earlier run', () => services.jobRecord.findEarlier(report, (id) => api.getJobStatus(id)));
        if (earlierJob)
            return { kind: 're-run', jobId: earlierJob };
    }
    const job = early ?? createJob(context);
    const jobId = await phase(report, 'Create job', async () => {
        const id = await job.id;
        shared_log/* log */.Rm.info(`Job ID: ${id}`);
        return id;
    });
    report.jobId = jobId;
    await phase(report, 'Zip and upload', () => uploadDataset(context, jobId, job.url, prepared));
    // Recorded before the start is sent: a run cut off while the start is in flight (cancelled, or
    // the runner lost) leaves the record, and a re-run asks that job's status before starting one.
    await services.jobRecord.record(report);
    await phase(report, 'Start training', () => startTraining(context, jobId, parameters));
    report.apiRevision = api.apiRevision;
    shared_log/* log */.Rm.info(`Training started (API revision: ${report.apiRevision}).`);
    return { kind: 'started', jobId };
}
function createJob({ config, api }) {
    const id = api.newJobId();
    const url = id.then((jobId) => api.getJobInputUrl(jobId, config.zipName));
    // awaited in 'Create job' and 'Zip and upload'; a failure is reported there
    id.catch(() => undefined);
    url.catch(() => undefined);
    api.detectRevision().catch(() => undefined);
    return { id, url };
}
/** The one start; a cancel while it is in flight says what became of the job as far as is known. */
async function startTraining(context, jobId, parameters) {
    const { api, report, deadline, signal } = context;
    try {
        await (0,tiyaro/* startJobOnce */.RT)(api, jobId, parameters, { deadline, signal });
    }
    catch (error) {
        if (!signal.aborted)
            throw error;
        report.status = 'cancelled';
        report.errorMessage =
            `The run was cancelled while the start of job ${jobId} was in flight: the job may be training. ` +
                `A re-run of this workflow run attaches to it if it started; or attach with the input job-id: ${jobId}`;
        throw new RunFailure(report.errorMessage);
    }
}
async function prepareZip({ config, report, retry, signal, services }, onImagesChecked) {
    // Class images, in this order: cache restore → generate the missing ones → scan → (after the
    // zip's pass) cache save, so generated images are zipped and cached like supplied ones.
    const restored = await services.classImageCache.restore(config);
    report.classImagesCacheHit = restored.fromCache;
    const generationDir = restored.classDir ?? (0,external_node_path_.join)(workDir(), 'class-images');
    if (config.classImageGeneratorUrl) {
        // generation costs credits: every image given must pass its checks first
        await phase(report, 'Check images before generating class images', () => (0,src_dataset/* scanDataset */.yu)({ instanceDir: config.instanceImages, classDir: restored.classDir }));
    }
    const generation = config.classImageGeneratorUrl
        ? await phase(report, 'Generate class images', async () => {
            // loaded only by the runs that call the inference API
            const { generateMissingClassImages } = await __nccwpck_require__.e(/* import() */ 131).then(__nccwpck_require__.bind(__nccwpck_require__, 26131));
            return generateMissingClassImages(config, generationDir, retry);
        })
        : undefined;
    const generated = generation?.generated.length ?? 0;
    // a restored set that got more images is a new set: it is saved under its own key
    const classImages = generated > 0 ? { classDir: generationDir, fromCache: false } : restored;
    const dataset = await phase(report, 'Check images', async () => {
        const scanned = await (0,src_dataset/* scanDataset */.yu)({ instanceDir: config.instanceImages, classDir: classImages.classDir });
        shared_log/* log */.Rm.info(`${scanned.instance.length} instance images, ${scanned.class.length} class images`);
        return scanned;
    });
    report.instanceImageCount = dataset.instance.length;
    report.classImageCount = dataset.class.length;
    onImagesChecked();
    const fromCache = restored.fromCache ? dataset.class.length - generated : 0;
    const supplied = dataset.class.length - generated - fromCache;
    report.classImageSources = { supplied, restored: fromCache, generated };
    if (dataset.class.length > 0 || generation) {
        shared_log/* log */.Rm.info(`Class images: ${dataset.class.length} (${supplied} supplied, ${fromCache} restored from the cache, ${generated} generated)`);
    }
    // The zip is on disk only when the run needs it there: a dry run, an artifact, or keep-zip.
    const keep = config.dryRun || config.artifactName !== undefined || config.keepZip;
    const zip = new src_dataset/* DatasetZip */.c2(dataset, { keepAt: keep ? (0,external_node_path_.join)(workDir(), config.zipName) : undefined, signal });
    return { dataset, zip, classImages, followedUp: false };
}

// EXTERNAL MODULE: ./src/shared/http.ts + 1 modules
var http = __nccwpck_require__(79231);
;// CONCATENATED MODULE: ./src/main.ts
// The action's run(): reads the inputs, runs the pipeline, and whatever happened writes the
// outputs, the summary, the artifact and the PR comment. Signals cancel the run, not the job.








async function run() {
    const report = newReport();
    const cancel = new AbortController();
    const onSignal = (signal) => {
        if (!cancel.signal.aborted)
            shared_log/* log */.Rm.warning(`Received ${signal}: stopping.`);
        cancel.abort(new Error(`cancelled by ${signal}`));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    let config;
    try {
        config = await getConfig();
        await runPipeline(config, report, cancel.signal, actionsRunServices);
    }
    catch (error) {
        fail(report, error);
    }
    finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        // after a failure too: the artifact and the comment say what went wrong; neither throws
        if (config) {
            await uploadResultArtifact(config, report);
            await commentOnPullRequest(config, report);
        }
        writeOutputs(report);
        const summary = (config?.jobSummary ?? true) && !!process.env.GITHUB_STEP_SUMMARY;
        report.warnings = (0,shared_log/* loggedWarnings */.UK)();
        await writeSummary(report, summary).catch((error) => shared_log/* log */.Rm.warning(`Could not write the job summary: ${(0,errors/* errorMessage */.g)(error)}`));
        (0,shared_log/* annotateHeldWarnings */.Di)(summary
            ? 'the job summary lists them all, and the log shows each on a line starting with "Warning:".'
            : 'the log shows each on a line starting with "Warning:".');
        await (0,http/* closeHttp */.D6)();
    }
}
function fail(report, error) {
    const message = (0,errors/* errorMessage */.g)(error);
    report.errorMessage ??= message;
    if (error instanceof Error && !(error instanceof RunFailure) && !(error instanceof problems_InputError) && error.stack) {
        for (const line of error.stack.split('\n'))
            shared_log/* log */.Rm.debug(line);
    }
    runner_commands/* runner */.lj.setFailed((0,shared_log/* failureText */.kY)(message));
}


/***/ }),

/***/ 69124:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   a: () => (/* binding */ ANSWER_LIMITS),
/* harmony export */   t: () => (/* binding */ readLimited)
/* harmony export */ });
/* harmony import */ var _format_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(36338);
/* harmony import */ var _retry_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(43091);


/** Caps for the answers the action reads (a generous multiple of what a sane answer needs). */
const ANSWER_LIMITS = {
    /** a GraphQL answer of the retraining API: a few IDs, a status, a short list of models */
    graphql: 1024 * 1024,
    /** storage's answer to a PUT: empty, or a short XML error */
    upload: 64 * 1024,
    /** an inference answer: base64 images */
    inference: 64 * 1024 * 1024
};
/** The whole body, or a TransientError once it passes `maxBytes` or `timeoutMs`. */
async function readLimited(body, { what, maxBytes, timeoutMs, signal }) {
    const chunks = [];
    let size = 0;
    const stop = (reason) => {
        body.destroy(reason instanceof Error ? reason : new Error(String(reason)));
    };
    const timer = timeoutMs === undefined
        ? undefined
        : setTimeout(() => stop(new _retry_js__WEBPACK_IMPORTED_MODULE_0__/* .TransientError */ .N_(`${what}: the answer did not end within ${(0,_format_js__WEBPACK_IMPORTED_MODULE_1__/* .formatDuration */ .a3)(timeoutMs)}`)), timeoutMs);
    const onAbort = () => stop(signal?.reason);
    if (signal?.aborted)
        onAbort();
    else
        signal?.addEventListener('abort', onAbort, { once: true });
    try {
        for await (const chunk of body) {
            size += chunk.length;
            if (size > maxBytes) {
                const error = new _retry_js__WEBPACK_IMPORTED_MODULE_0__/* .TransientError */ .N_(`${what}: the answer is larger than ${(0,_format_js__WEBPACK_IMPORTED_MODULE_1__/* .formatBytes */ .z3)(maxBytes)}; not read further`);
                stop(error);
                throw error;
            }
            chunks.push(chunk);
        }
    }
    finally {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
    }
    return Buffer.concat(chunks, size);
}


/***/ }),

/***/ 23613:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   KD: () => (/* binding */ nodeHttpClient),
/* harmony export */   SI: () => (/* binding */ nodeCrypto),
/* harmony export */   eq: () => (/* binding */ nodeZlib)
/* harmony export */ });
// Node's modules that a run needs only once it gets there (HTTP, hashing, CRC-32, random names),
// taken when first used instead of at start-up: loading node:crypto alone costs ~10 ms, and a
// static import is loaded before the first line of the action runs.
function nodeCrypto() {
    return process.getBuiltinModule('node:crypto');
}
function nodeZlib() {
    return process.getBuiltinModule('node:zlib');
}
/**
 * Node's http client, or its https one for an https URL (TLS loaded only then). Not an ESM
 * import either way: the namespace of node:http has WebSocket getters that load Node's internal
 * undici (~60 ms on Node 24).
 */
function nodeHttpClient(protocol) {
    return process.getBuiltinModule(protocol === 'https:' ? 'node:https' : 'node:http');
}


/***/ }),

/***/ 58382:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   C: () => (/* binding */ errorCode),
/* harmony export */   g: () => (/* binding */ errorMessage)
/* harmony export */ });
// One way to turn anything thrown into text: a thrown non-Error (a string, an object) still reads.
function errorMessage(error) {
    if (error instanceof Error)
        return error.message;
    return typeof error === 'string' ? error : String(error);
}
/** The system error code (ENOENT, ECONNREFUSED, …) of an error or of one of its causes. */
function errorCode(error) {
    for (let e = error, depth = 0; e && depth < 5; depth++) {
        if (typeof e.code === 'string')
            return e.code;
        e = e.cause;
    }
    return undefined;
}


/***/ }),

/***/ 19959:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   K: () => (/* binding */ exitWhenFlushed)
/* harmony export */ });
/* unused harmony export flushed */
// Both faces end the process themselves, so that a socket a library left open cannot keep it
// alive; first their output must be out: a pipe takes writes asynchronously, and process.exit()
// drops whatever is still queued.
const FLUSH_LIMIT_MS = 30_000;
/** Resolves once everything written to the stream so far has been flushed (or the stream is gone). */
function flushed(stream) {
    return new Promise((resolve) => {
        if (stream.destroyed || !stream.writable)
            return resolve();
        stream.once('error', () => resolve());
        // a write's callback runs once it and every write queued before it are flushed
        stream.write('', () => resolve());
        // a reader that never reads again must not hold the process forever
        setTimeout(resolve, FLUSH_LIMIT_MS).unref();
    });
}
/** Exits with `code` (else process.exitCode) once stdout and stderr are flushed. */
async function exitWhenFlushed(code) {
    await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
    // process.exit(undefined) exits 0 on Node 24, whatever process.exitCode says
    process.exit(code ?? process.exitCode);
}


/***/ }),

/***/ 36338:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   $Q: () => (/* binding */ clip),
/* harmony export */   LS: () => (/* binding */ plural),
/* harmony export */   a3: () => (/* binding */ formatDuration),
/* harmony export */   z3: () => (/* binding */ formatBytes)
/* harmony export */ });
// Formatting shared by the log, the summary and the comment: sizes, durations, counted nouns.
function formatBytes(bytes) {
    const units = ['bytes', 'KiB', 'MiB', 'GiB'];
    let value = bytes;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
        value /= 1024;
        unit++;
    }
    return unit === 0 ? `${bytes} bytes` : `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}
function formatDuration(ms) {
    if (ms < 1000)
        return `${Math.round(ms)} ms`;
    const seconds = ms / 1000;
    if (seconds < 60)
        return `${seconds.toFixed(1)} s`;
    const minutes = Math.floor(seconds / 60);
    return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}
/** "1 image", "3 images". */
function plural(count, noun, nouns = `${noun}s`) {
    return `${count} ${count === 1 ? noun : nouns}`;
}
/** `text` cut to at most `max` characters, an ellipsis included, never inside a surrogate pair. */
function clip(text, max) {
    if (text.length <= max)
        return text;
    let end = Math.max(0, max - 1);
    const last = text.charCodeAt(end - 1);
    if (last >= 0xd800 && last <= 0xdbff)
        end--;
    return `${text.slice(0, end)}…`;
}


/***/ }),

/***/ 62733:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   R: () => (/* binding */ ConnectionError)
/* harmony export */ });
/**
 * The request failed before an answer came, for a reason of the connection (refused, reset, a name
 * that does not resolve, TLS): its `cause` is the client's error, with the system code.
 */
class ConnectionError extends Error {
    cause;
    name = 'ConnectionError';
    constructor(cause) {
        super(`connection failed: ${cause.message}`, { cause });
        this.cause = cause;
    }
}


/***/ }),

/***/ 79231:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  ye: () => (/* binding */ AnswerBrokenError),
  Zc: () => (/* binding */ DEFAULT_REQUEST_TIMEOUT_MS),
  T6: () => (/* binding */ ProxyError),
  iP: () => (/* binding */ bodyGist),
  qJ: () => (/* binding */ classifyRequestError),
  D6: () => (/* binding */ closeHttp),
  GO: () => (/* binding */ describeRedirect),
  tp: () => (/* binding */ fetchLimited),
  Z: () => (/* binding */ headerValue),
  iJ: () => (/* binding */ proxyFor),
  tN: () => (/* binding */ send),
  B$: () => (/* binding */ transientStatusError)
});

// EXTERNAL MODULE: ./src/shared/answer-body.ts
var answer_body = __nccwpck_require__(69124);
// EXTERNAL MODULE: ./src/shared/errors.ts
var errors = __nccwpck_require__(58382);
// EXTERNAL MODULE: ./src/shared/builtins.ts
var builtins = __nccwpck_require__(23613);
;// CONCATENATED MODULE: ./src/shared/http-direct.ts

const agents = new Map();
/** One keep-alive pool per protocol for the run; closeDirect ends them. */
function agentFor(protocol) {
    let agent = agents.get(protocol);
    if (!agent) {
        agent = new ((0,builtins/* nodeHttpClient */.KD)(protocol).Agent)({ keepAlive: true });
        agents.set(protocol, agent);
    }
    return agent;
}
/** The error of a request that made no progress for `ms`: a timeout, as a signal's would be. */
function idleTimeout(ms) {
    return Object.assign(new Error(`nothing was sent or received for ${ms} ms`), { name: 'TimeoutError' });
}
/**
 * Sends one request and resolves with the answer's status and headers as soon as they arrive; its
 * body is read by the caller. Redirects are answered as they are (Node's client follows none).
 */
function sendDirect(url, request) {
    const { method, headers, body, signal, idleTimeoutMs } = request;
    return new Promise((resolve, reject) => {
        const sent = (0,builtins/* nodeHttpClient */.KD)(url.protocol).request(url, { method, headers, agent: agentFor(url.protocol), signal });
        // kept after the answer: a later failure (the body broken off) must not go unheard; a
        // cancelled request fails with the signal's reason, as fetch's does
        sent.on('error', (error) => reject(signal?.aborted ? signal.reason : error));
        sent.once('response', (answer) => resolve({ status: answer.statusCode ?? 0, headers: answer.headers, body: answer }));
        if (idleTimeoutMs !== undefined)
            sent.setTimeout(idleTimeoutMs, () => sent.destroy(idleTimeout(idleTimeoutMs)));
        writeBody(sent, body).catch((error) => sent.destroy(error));
    });
}
/** A body known whole is sent at once; one made as it goes, a chunk at a time. */
async function writeBody(sent, body) {
    if (body === undefined || typeof body === 'string' || body instanceof Uint8Array) {
        sent.end(body);
        return;
    }
    for await (const chunk of body) {
        // the next chunk is asked for only once this one is in the kernel's hands: its maker may
        // reuse the buffer then (upload-body.ts)
        await new Promise((resolve, reject) => sent.write(chunk, (error) => (error ? reject(error) : resolve())));
    }
    sent.end();
}
/** Ends the pools: their idle connections are closed. */
function closeDirect() {
    for (const agent of agents.values())
        agent.destroy();
    agents.clear();
}

// EXTERNAL MODULE: ./src/shared/http-types.ts
var http_types = __nccwpck_require__(62733);
// EXTERNAL MODULE: ./src/shared/retry.ts
var retry = __nccwpck_require__(43091);
// EXTERNAL MODULE: ./src/shared/redaction.ts
var redaction = __nccwpck_require__(18108);
;// CONCATENATED MODULE: ./src/shared/http.ts
// Every HTTP request of the action goes through here: the proxy from HTTPS_PROXY / HTTP_PROXY /
// NO_PROXY (through it: http-proxied.ts; without: http-direct.ts), a time limit per try, a size
// limit per answer, no redirects, and the sorting of failures into transient or not.






const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
/** Set once a request went through a proxy: that module (and undici) is loaded only then. */
let proxied;
/**
 * The proxy for a URL from HTTPS_PROXY / HTTP_PROXY (either case), unless NO_PROXY lists its
 * host; undefined for a direct connection. Loopback hosts are proxied like any other unless
 * NO_PROXY names them, as curl does.
 */
function proxyFor(target, env = process.env) {
    const proxy = target.protocol === 'https:' ? env.https_proxy || env.HTTPS_PROXY : env.http_proxy || env.HTTP_PROXY;
    if (!proxy)
        return undefined;
    const noProxy = (env.no_proxy || env.NO_PROXY || '').split(/[\s,]+/).filter(Boolean);
    const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    const port = target.port || (target.protocol === 'https:' ? '443' : '80');
    for (const entry of noProxy) {
        if (entry === '*')
            return undefined;
        const [entryHost, entryPort] = splitHostPort(entry.toLowerCase());
        if (entryPort && entryPort !== port)
            continue;
        const bare = entryHost.replace(/^\*?\./, '');
        if (host === bare || host.endsWith(`.${bare}`))
            return undefined;
    }
    return /^[a-z]+:\/\//i.test(proxy) ? proxy : `http://${proxy}`;
}
function splitHostPort(entry) {
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    if (bracketed)
        return [bracketed[1], bracketed[2]];
    const parts = entry.split(':');
    return parts.length === 2 ? [parts[0], parts[1]] : [entry, undefined];
}
/** Sends one request, through the proxy the environment names for its URL or direct. */
async function send(url, request) {
    const target = new URL(url);
    const proxy = proxyFor(target);
    try {
        if (!proxy)
            return await sendDirect(target, request);
        proxied ??= Promise.all(/* import() */[__nccwpck_require__.e(752), __nccwpck_require__.e(137)]).then(__nccwpck_require__.bind(__nccwpck_require__, 81137));
        return await (await proxied).sendProxied(proxy, target, request);
    }
    catch (error) {
        // a system or TLS error before any answer is the connection's; a cancel, a time limit or
        // the body's own failure says so itself
        const cancelled = request.signal?.aborted || error?.name === 'TimeoutError';
        throw !cancelled && error instanceof Error && (0,errors/* errorCode */.C)(error) !== undefined ? new http_types/* ConnectionError */.R(error) : error;
    }
}
/** Ends the run's connection pools. */
async function closeHttp() {
    closeDirect();
    const loaded = proxied;
    proxied = undefined;
    await (await loaded)?.closeProxied();
}
/** A signal that fires on the caller's signal or after timeoutMs, whichever comes first. */
function requestSignal(timeoutMs, signal) {
    const timeout = AbortSignal.timeout(timeoutMs);
    return signal ? AbortSignal.any([signal, timeout]) : timeout;
}
const TRANSIENT_CODES = new Set([
    'ECONNRESET',
    'ECONNREFUSED',
    'ECONNABORTED',
    'EPIPE',
    'ETIMEDOUT',
    'EAI_AGAIN',
    'ENETUNREACH',
    'EHOSTUNREACH',
    'UND_ERR_SOCKET',
    'UND_ERR_CLOSED',
    'UND_ERR_CONNECT_TIMEOUT',
    'UND_ERR_HEADERS_TIMEOUT',
    'UND_ERR_BODY_TIMEOUT'
]);
/**
 * Turns a failed request into a TransientError when repeating it may help (connection lost,
 * request timed out); other errors come back as they are. A cancelled run is not transient.
 */
function classifyRequestError(error, what, cancelled) {
    if (cancelled?.aborted || error instanceof retry/* TransientError */.N_ || error instanceof ProxyError)
        return error;
    const proxied = proxyRefusal(error, what);
    if (proxied)
        return proxied;
    const name = error?.name;
    if (name === 'TimeoutError' || name === 'AbortError') {
        return new retry/* TransientError */.N_(`${what}: no answer within the request timeout`, { cause: error });
    }
    const code = (0,errors/* errorCode */.C)(error);
    if (code && TRANSIENT_CODES.has(code)) {
        return new retry/* TransientError */.N_(`${what}: connection failed (${code})`, { cause: error });
    }
    // the rest of what failed before an answer (a name that does not resolve, TLS) may pass
    if (error instanceof http_types/* ConnectionError */.R) {
        return new retry/* TransientError */.N_(`${what}: connection failed (${code ?? error.message})`, { cause: error });
    }
    return error;
}
/** HTTP 429 and 5xx are transient; the error carries Retry-After when the service sent it. */
function transientStatusError(what, status, retryAfter) {
    if (status !== 429 && (status < 500 || status > 599))
        return undefined;
    return new retry/* TransientError */.N_(`${what}: HTTP ${status}`, { retryAfterMs: (0,retry/* parseRetryAfter */.mu)(retryAfter) });
}
/** The proxy said no: repeating will not help until its settings change. */
class ProxyError extends Error {
    status;
    constructor(message, status) {
        super(message);
        this.status = status;
        this.name = 'ProxyError';
    }
}
/**
 * A proxy's answer to the tunnel (CONNECT) or to the request, from undici's error: 407 and 403 are
 * the proxy's refusal (a ProxyError), anything else a transient failure of the proxy.
 */
function proxyRefusal(error, what) {
    for (let e = error, depth = 0; e && depth < 5; depth++, e = e.cause) {
        const status = /Proxy response \((\d{3})\)|Proxy Authentication Required \((407)\)/.exec(String(e.message));
        if (!status)
            continue;
        const code = Number(status[1] ?? status[2]);
        if (code === 407) {
            return new ProxyError(`${what}: proxy authentication required (the proxy answered HTTP 407); give its user and password in the proxy URL (http://user:password@host:port)`, code);
        }
        if (code === 403)
            return new ProxyError(`${what}: the proxy refused the connection (HTTP 403)`, code);
        return new retry/* TransientError */.N_(`${what}: the proxy failed to connect (HTTP ${code})`, { cause: error });
    }
    return undefined;
}
/**
 * One try of a request through the run's proxy: the answer is read whole, but never more than
 * `maxBytes` of it, and all within `timeoutMs` (an endless or trickling answer is a transient
 * failure). Redirects are answered as they are, never followed: a credential stays with the
 * URL it was meant for.
 */
async function fetchLimited(url, request, { what, maxBytes, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS, signal }) {
    const trySignal = requestSignal(timeoutMs, signal);
    try {
        const answer = await send(url, { ...request, signal: trySignal });
        let body;
        try {
            body = await (0,answer_body/* readLimited */.t)(answer.body, { what, maxBytes, signal: trySignal });
        }
        catch (error) {
            const classified = classifyRequestError(error, what, signal);
            throw classified instanceof retry/* TransientError */.N_ ? new AnswerBrokenError(classified) : classified;
        }
        return { status: answer.status, headers: headerLookup(answer.headers), body };
    }
    catch (error) {
        throw classifyRequestError(error, what, signal);
    }
}
/** The first value of a header, by its name in any case. */
function headerValue(headers, name) {
    const value = headers[name.toLowerCase()];
    return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
}
function headerLookup(headers) {
    return { get: (name) => headerValue(headers, name) };
}
/** The service answered, then its answer broke off or never ended: it was reached. */
class AnswerBrokenError extends retry/* TransientError */.N_ {
    constructor(broken) {
        super(broken.message, { retryAfterMs: broken.retryAfterMs, cause: broken.cause });
        this.name = 'AnswerBrokenError';
    }
}
/** What a redirect said, without its target's path or query (a presigned URL may be in them). */
function describeRedirect(status, location) {
    let target = 'no Location';
    try {
        if (location)
            target = new URL(location).origin;
    }
    catch {
        target = 'an unreadable Location';
    }
    return `answered with a redirect (HTTP ${status} to ${target}), which is not followed`;
}
/** The first line of a body, without markup, short enough for a log line; redacted before it is cut. */
function bodyGist(body, max = 200) {
    const text = (0,redaction/* redactSecrets */.fp)(body)
        .replace(/<[^<>]*>/g, ' ')
        .replace(/\s+/g, ' ')
        .trim();
    return text.length > max ? `${text.slice(0, max)}…` : text;
}


/***/ }),

/***/ 99141:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   $E: () => (/* binding */ readImageInfoOf),
/* harmony export */   Kl: () => (/* binding */ readImageInfo),
/* harmony export */   Um: () => (/* binding */ OPEN_WITHOUT_WAITING),
/* harmony export */   WY: () => (/* binding */ sniffImage)
/* harmony export */ });
/* unused harmony exports HEADER_BYTES, MAX_HEADER_READ_BYTES */
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(73024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__nccwpck_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
// JPEG, PNG and WebP by their magic bytes, and the pixel size from the header without decoding:
// 4 KiB read, then JPEG segments hopped to a frame header further on (camera EXIF, ICC, maker).
// Ours over image-size (bench/image-headers.ts, 1,000 files, 2026-11-30): 21 vs 327 ms, 6.7 vs
// 408 KiB read a file, and image-size sizes no JPEG whose metadata passes 512 KiB (10 of the 1,000).

/**
 * Bytes read at the start of every file: enough for PNG, WebP and JPEGs without large metadata
 * (a camera's EXIF is hopped over). Not more: on a disk whose cache was dropped, 64 KiB a file made
 * the scan of 1,350 images take 450-500 ms instead of 105 (the 1 GiB bench dataset, 2026-11-30).
 */
const HEADER_BYTES = 4 * 1024;
/** How an image is opened: without waiting, so a FIFO or device put in a file's place cannot block the open. */
const OPEN_WITHOUT_WAITING = node_fs__WEBPACK_IMPORTED_MODULE_0__.constants.O_RDONLY | (node_fs__WEBPACK_IMPORTED_MODULE_0__.constants.O_NONBLOCK ?? 0);
/** Bytes read per hop while following a JPEG's segments past the first read. */
const JPEG_HOP_BYTES = 4 * 1024;
/** Most bytes read from one file in all; a frame header not found by then is "unknown size". */
const MAX_HEADER_READ_BYTES = 1024 * 1024;
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
function sniffImage(header) {
    if (startsWith(header, PNG_SIGNATURE))
        return { format: 'png', ...pngSize(header) };
    if (isJpeg(header)) {
        const step = walkJpegMarkers(header, 0, 2);
        return step.kind === 'frame' ? { format: 'jpeg', ...step.size } : { format: 'jpeg' };
    }
    if (ascii(header, 0, 4) === 'RIFF' && ascii(header, 8, 4) === 'WEBP') {
        return { format: 'webp', ...webpSize(header) };
    }
    return undefined;
}
/**
 * Reads as little of the file as it takes; never the whole of a large file. Synchronous: a
 * header is one or two reads of a file the system has just listed, which cost less than the
 * round trip of an asynchronous call (scan.ts yields to the event loop between files).
 */
function readImageInfo(path) {
    const fd = (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.openSync)(path, OPEN_WITHOUT_WAITING);
    try {
        return readImageInfoOf(fd);
    }
    finally {
        (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.closeSync)(fd);
    }
}
/** The same, of a file already open (its caller checked it is a regular file). */
function readImageInfoOf(fd) {
    const header = readAt(fd, 0, HEADER_BYTES);
    const info = sniffImage(header);
    if (info?.format !== 'jpeg' || info.width !== undefined)
        return info;
    return { format: 'jpeg', ...findJpegSize(fd, header) };
}
/** Follows the segments past the first read, one small read per hop, within a byte budget. */
function findJpegSize(fd, header) {
    let step = walkJpegMarkers(header, 0, 2);
    let budget = MAX_HEADER_READ_BYTES - header.length;
    while (step.kind === 'more' && budget > 0) {
        const wanted = Math.min(JPEG_HOP_BYTES, budget);
        const window = readAt(fd, step.at, wanted);
        budget -= wanted;
        step = walkJpegMarkers(window, step.at, step.at);
        if (step.kind === 'more' && window.length < wanted)
            return undefined; // the file ends first
    }
    return step.kind === 'frame' ? step.size : undefined;
}
function readAt(fd, position, length) {
    const buffer = Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
        const bytesRead = (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.readSync)(fd, buffer, filled, length - filled, position + filled);
        if (bytesRead === 0)
            break;
        filled += bytesRead;
    }
    return buffer.subarray(0, filled);
}
function isJpeg(bytes) {
    return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}
// SOF0-3, 5-7, 9-11, 13-15: C4 (DHT), C8 (JPG) and CC (DAC) share the range but are not frames.
function isStartOfFrame(marker) {
    return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}
/**
 * Walks JPEG markers from file offset `at`, over `bytes`, which hold the file's bytes from
 * offset `base` on. Answers the frame size, or the offset it needs to read next.
 */
function walkJpegMarkers(bytes, base, at) {
    let position = at;
    for (;;) {
        const i = position - base;
        if (i + 1 >= bytes.length)
            return { kind: 'more', at: position };
        if (bytes[i] !== 0xff)
            return { kind: 'invalid' };
        const marker = bytes[i + 1];
        if (marker === 0xff) {
            position += 1; // fill byte before a marker
            continue;
        }
        // markers without a length: SOI, TEM, RST0-7
        if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
            position += 2;
            continue;
        }
        // the image data (SOS) or its end (EOI) before any frame header: no size to find
        if (marker === 0xda || marker === 0xd9)
            return { kind: 'invalid' };
        if (i + 3 >= bytes.length)
            return { kind: 'more', at: position };
        const length = readUint16BE(bytes, i + 2);
        if (length < 2)
            return { kind: 'invalid' };
        if (isStartOfFrame(marker)) {
            // FF Cn, length (2), precision (1), height (2), width (2)
            if (i + 8 >= bytes.length)
                return { kind: 'more', at: position };
            const height = readUint16BE(bytes, i + 5);
            const width = readUint16BE(bytes, i + 7);
            // a height of 0 is set later by a DNL marker: leave the size unknown
            return { kind: 'frame', size: width > 0 && height > 0 ? { width, height } : undefined };
        }
        position += 2 + length;
    }
}
function pngSize(bytes) {
    // signature (8), IHDR length (4), "IHDR" (4), width (4), height (4)
    if (bytes.length < 24 || ascii(bytes, 12, 4) !== 'IHDR')
        return undefined;
    const width = readUint32BE(bytes, 16);
    const height = readUint32BE(bytes, 20);
    return width > 0 && height > 0 ? { width, height } : undefined;
}
function webpSize(bytes) {
    // "RIFF", size (4), "WEBP", then the first chunk: FourCC (4), size (4), data from offset 20
    const chunk = ascii(bytes, 12, 4);
    if (chunk === 'VP8 ') {
        // frame tag (3 bytes; bit 0 clear on a key frame), start code 9D 01 2A, 14-bit width, height
        if (bytes.length < 30 || (bytes[20] & 1) !== 0)
            return undefined;
        if (bytes[23] !== 0x9d || bytes[24] !== 0x01 || bytes[25] !== 0x2a)
            return undefined;
        return positive(readUint16LE(bytes, 26) & 0x3fff, readUint16LE(bytes, 28) & 0x3fff);
    }
    if (chunk === 'VP8L') {
        // signature 0x2F, then 14 bits width-1 and 14 bits height-1, little-endian
        if (bytes.length < 25 || bytes[20] !== 0x2f)
            return undefined;
        const bits = readUint32LE(bytes, 21);
        return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
    if (chunk === 'VP8X') {
        // flags (1), reserved (3), canvas width-1 (24 bits LE), canvas height-1 (24 bits LE)
        if (bytes.length < 30)
            return undefined;
        return { width: readUint24LE(bytes, 24) + 1, height: readUint24LE(bytes, 27) + 1 };
    }
    return undefined;
}
function positive(width, height) {
    return width > 0 && height > 0 ? { width, height } : undefined;
}
function startsWith(bytes, prefix) {
    return bytes.length >= prefix.length && prefix.every((byte, i) => bytes[i] === byte);
}
function ascii(bytes, offset, length) {
    if (bytes.length < offset + length)
        return '';
    return String.fromCharCode(...bytes.subarray(offset, offset + length));
}
function readUint16BE(bytes, i) {
    return (bytes[i] << 8) | bytes[i + 1];
}
function readUint16LE(bytes, i) {
    return bytes[i] | (bytes[i + 1] << 8);
}
function readUint24LE(bytes, i) {
    return bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16);
}
function readUint32BE(bytes, i) {
    return ((bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3]) >>> 0;
}
function readUint32LE(bytes, i) {
    return (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24)) >>> 0;
}


/***/ }),

/***/ 64022:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   d: () => (/* binding */ isJobId),
/* harmony export */   x: () => (/* binding */ JOB_ID_RULE)
/* harmony export */ });
// What a job ID looks like, for the job-id input and for the IDs the service hands back: one rule,
// so an ID the action accepts from the service is one the user could give back as job-id.
/** 1 to 128 letters, digits, ".", "_", ":" or "-", starting with a letter or digit (so never `::`). */
const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
/** The rule in words, for error messages. */
const JOB_ID_RULE = '1 to 128 letters, digits, ".", "_", ":" or "-", starting with a letter or digit';
function isJobId(value) {
    return typeof value === 'string' && JOB_ID.test(value);
}


/***/ }),

/***/ 21827:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   Di: () => (/* binding */ annotateHeldWarnings),
/* harmony export */   Rm: () => (/* binding */ log),
/* harmony export */   UK: () => (/* binding */ loggedWarnings),
/* harmony export */   kY: () => (/* binding */ failureText)
/* harmony export */ });
/* unused harmony exports MAX_LOG_MESSAGE, ANNOTATION_LIMIT, neutralise, logText, createActionsLogger, actionsLogger, setLogger */
/* harmony import */ var _format_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(36338);
/* harmony import */ var _redaction_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(18108);
/* harmony import */ var _runner_commands_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(42642);
// The run's log. Every layer writes through `log`, never through runner-commands.ts or the console,
// so one place decides how a line reaches the reader: as the runner's log commands in an
// action, as plain lines on stderr for the command line (setLogger). `withNamespace` gives an
// area its prefix ("Class-image cache: …") instead of typing it into every message.
// Messages hold text from elsewhere (server answers, file names, inputs), so this one place
// also makes every line harmless: secrets redacted, length bounded, no line break and no
// workflow command (`::cmd::` at a line's start, `##[cmd]` anywhere) the runner would obey.



/** The longest message shown; a server's error body can be any length. */
const MAX_LOG_MESSAGE = 16 * 1024;
/** GitHub shows at most this many warning annotations per step. */
const ANNOTATION_LIMIT = 10;
// C0 and C1 controls but the tab, and the Unicode line and paragraph separators
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/g;
const ESCAPES = { '\n': '\\n', '\r': '\\r' };
/**
 * One line that the runner shows as text: line breaks and other controls escaped (`\n`),
 * `##[` broken up, and a line that would start with `::` (after blanks) prefixed with `\`.
 */
function neutralise(text) {
    const line = text
        .replace(CONTROL, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
        .replaceAll('##[', '#\\#[');
    return /^[\s\u180e\u200b\ufeff]*::/.test(line) ? `\\${line}` : line;
}
/** A message as the log shows it: redacted before it is cut, then neutralised. */
function logText(message) {
    return neutralise((0,_format_js__WEBPACK_IMPORTED_MODULE_2__/* .clip */ .$Q)((0,_redaction_js__WEBPACK_IMPORTED_MODULE_0__/* .redactSecrets */ .fp)(message), MAX_LOG_MESSAGE));
}
/**
 * The step's error as `setFailed` shows it: redacted before it is cut, `##[` broken up. Its line
 * breaks stay: runner-commands.ts escapes them inside the `::error::` command.
 */
function failureText(message) {
    return (0,_format_js__WEBPACK_IMPORTED_MODULE_2__/* .clip */ .$Q)((0,_redaction_js__WEBPACK_IMPORTED_MODULE_0__/* .redactSecrets */ .fp)(message), MAX_LOG_MESSAGE).replaceAll('##[', '#\\#[');
}
/**
 * The runner's log: plain lines, `::warning`, `::debug`, `::group`, `::add-mask`. The first
 * ANNOTATION_LIMIT - 1 warnings are annotations; later ones are log lines, summed up in the last.
 */
function createActionsLogger() {
    let annotated = 0;
    const held = [];
    return {
        info: (message) => _runner_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .runner */ .lj.info(message),
        warning: (message, location) => {
            if (annotated < ANNOTATION_LIMIT - 1) {
                annotated++;
                _runner_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .runner */ .lj.warning(message, location);
            }
            else {
                held.push(message);
                _runner_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .runner */ .lj.info(`Warning: ${message}`);
            }
        },
        debug: (message) => _runner_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .runner */ .lj.debug(message),
        group: (name, body) => _runner_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .runner */ .lj.group(name, body),
        setSecret: (secret) => _runner_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .runner */ .lj.setSecret(secret),
        annotateHeldWarnings: (where) => {
            if (held.length === 0)
                return;
            const text = held.length === 1
                ? held[0]
                : `${held.length} more warnings than GitHub shows as annotations (${ANNOTATION_LIMIT} a step): ${where}`;
            held.length = 0;
            annotated++;
            _runner_commands_js__WEBPACK_IMPORTED_MODULE_1__/* .runner */ .lj.warning(text);
        }
    };
}
const actionsLogger = createActionsLogger();
/** The actions log's held warnings, summed up (see ActionsLogger); nothing for another logger. */
function annotateHeldWarnings(where) {
    actionsLogger.annotateHeldWarnings(where);
}
let current = actionsLogger;
/** Replaces the logger for the rest of the process (the command line's face does this first). */
function setLogger(logger) {
    current = logger;
}
/** The most warnings kept for the job summary; the count goes on. */
const KEPT_WARNINGS = 1000;
const warnings = [];
let warningCount = 0;
/** The warnings logged so far, as shown (at most the first 1000), and how many there were. */
function loggedWarnings() {
    return { messages: [...warnings], total: warningCount };
}
function namespaced(prefix) {
    const text = (message) => logText(prefix ? `${prefix}: ${message}` : message);
    return {
        info: (message) => current.info(text(message)),
        warning: (message, location) => {
            const line = text(message);
            warningCount++;
            if (warnings.length < KEPT_WARNINGS)
                warnings.push(line);
            current.warning(line, location?.file === undefined ? location : { ...location, file: logText(location.file) });
        },
        debug: (message) => current.debug(text(message)),
        group: (name, body) => current.group(logText(name), body),
        setSecret: (secret) => {
            (0,_redaction_js__WEBPACK_IMPORTED_MODULE_0__/* .addSecret */ .Ck)(secret);
            current.setSecret(secret);
        },
        withNamespace: (namespace) => namespaced(prefix ? `${prefix}: ${namespace}` : namespace)
    };
}
const log = namespaced('');


/***/ }),

/***/ 18108:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   Ck: () => (/* binding */ addSecret),
/* harmony export */   KL: () => (/* binding */ redactDeep),
/* harmony export */   fp: () => (/* binding */ redactSecrets)
/* harmony export */ });
/* unused harmony exports REDACTED, PARTIAL_RUN */
// Takes secrets out of text before anyone shows it: the values the run was told to keep secret
// (the API key, signed URLs and their parts), runs of 12 characters or more of a key or a
// signature (a secret cut in half is still a leak), and what storage services put in their
// error bodies (signatures, credential scopes, access key IDs, whole presigned URLs). Every
// place that shows text from elsewhere (the log, outputs, summary, comment, result.json) and
// every place that shortens such text goes through redactSecrets first.
const REDACTED = '***';
/** A run this long of a key or a signature counts as a leak, wherever it appears. */
const PARTIAL_RUN = 12;
const whole = new Set();
/** every PARTIAL_RUN-character window of the token-like secrets */
const windows = new Set();
/**
 * Keeps `secret` out of every text redactSecrets sees from now on. A token (a key, a signature:
 * long, no separators) is also kept out in part; a URL or a list is kept out whole, since its
 * host or names are shared with text that is no secret.
 */
function addSecret(secret) {
    if (secret.length < 4 || whole.has(secret))
        return;
    whole.add(secret);
    if (secret.length < 16 || /[\s:&;,?]/.test(secret))
        return;
    for (let i = 0; i + PARTIAL_RUN <= secret.length; i++)
        windows.add(secret.slice(i, i + PARTIAL_RUN));
}
// The query parameters and XML elements of signed requests that are credentials (AWS SigV4 and
// SigV2, the local server's signer), and the shapes of AWS access key IDs and credential scopes.
// Every pattern is bounded or consumes what it scans, so a hostile text costs linear time.
const SIGNED_PARAMS = 'X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|X-Tiyaro-Signature|Signature|Credential|AWSAccessKeyId|sig';
const URL_TOKEN = /\b[a-z][a-z0-9+.-]{0,30}:\/\/[^\s"'<>]*/gi;
const HAS_SIGNED_PARAM = new RegExp(`[?&;](?:${SIGNED_PARAMS})=`, 'i');
const SIGNED_PARAM = new RegExp(`\\b(${SIGNED_PARAMS})=[^&\\s"'<>,]*`, 'gi');
const SECRET_ELEMENTS = 'SignatureProvided|StringToSign|StringToSignBytes|CanonicalRequest|CanonicalRequestBytes|AWSAccessKeyId|Signature|Credential|SecurityToken';
// an element cut off before its end tag is redacted to the end of the text
const SECRET_ELEMENT = new RegExp(`<(${SECRET_ELEMENTS})>[\\s\\S]*?(?:</\\1>|$)`, 'g');
const ACCESS_KEY_ID = /(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])/g;
const CREDENTIAL_SCOPE = /(?<!\d)\d{8}(?:\/|%2F)[a-z0-9-]{1,32}(?:\/|%2F)[a-z0-9-]{1,32}(?:\/|%2F)aws4_request\b/gi;
/**
 * `text` without any secret: the given and the registered ones whole, the runs of PARTIAL_RUN
 * characters of token-like ones, and the credentials of signed URLs and storage error bodies.
 */
function redactSecrets(text, extra = []) {
    // the known secrets first, whole, the longest first (a secret may contain another), then the
    // patterns: a pattern that cut a known secret in two would leave the rest of it behind
    let result = text;
    const secrets = [...whole, ...extra.filter((s) => !!s && s.length >= 4)];
    for (const secret of secrets.sort((a, b) => b.length - a.length)) {
        if (result.includes(secret))
            result = result.split(secret).join(REDACTED);
    }
    result = result
        .replace(URL_TOKEN, (url) => (HAS_SIGNED_PARAM.test(url) ? REDACTED : url))
        .replace(SECRET_ELEMENT, `<$1>${REDACTED}</$1>`)
        .replace(SIGNED_PARAM, `$1=${REDACTED}`)
        .replace(ACCESS_KEY_ID, REDACTED)
        .replace(CREDENTIAL_SCOPE, REDACTED);
    return windows.size === 0 ? result : redactRuns(result);
}
/** Replaces every stretch of text covered by a window of a registered token. */
function redactRuns(text) {
    const ranges = [];
    for (let i = 0; i + PARTIAL_RUN <= text.length; i++) {
        if (!windows.has(text.slice(i, i + PARTIAL_RUN)))
            continue;
        const last = ranges.at(-1);
        if (last && i <= last[1])
            last[1] = i + PARTIAL_RUN;
        else
            ranges.push([i, i + PARTIAL_RUN]);
    }
    if (ranges.length === 0)
        return text;
    let out = '';
    let copied = 0;
    for (const [from, to] of ranges) {
        out += text.slice(copied, from) + REDACTED;
        copied = to;
    }
    return out + text.slice(copied);
}
/** Every string in a JSON-like value (keys too), redacted: for result.json. */
function redactDeep(value, extra = []) {
    const walk = (item) => {
        if (typeof item === 'string')
            return redactSecrets(item, extra);
        if (Array.isArray(item))
            return item.map(walk);
        if (item && typeof item === 'object') {
            return Object.fromEntries(Object.entries(item).map(([key, inner]) => [redactSecrets(key, extra), walk(inner)]));
        }
        return item;
    };
    return walk(value);
}


/***/ }),

/***/ 43091:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   EY: () => (/* binding */ backoffDelay),
/* harmony export */   LH: () => (/* binding */ withRetries),
/* harmony export */   N_: () => (/* binding */ TransientError),
/* harmony export */   mu: () => (/* binding */ parseRetryAfter),
/* harmony export */   yy: () => (/* binding */ sleep)
/* harmony export */ });
/* unused harmony exports DEFAULT_MAX_ATTEMPTS, DEFAULT_BASE_DELAY_MS, DEFAULT_MAX_DELAY_MS */
// One retry policy for every call the action makes: connection errors, request timeouts,
// HTTP 5xx and 429 are retried with exponential backoff and jitter (honouring Retry-After),
// never past the run's deadline. Anything else fails at once.
/** A fault worth trying again: the request may not have reached the service, or it was busy. */
class TransientError extends Error {
    /** the wait the service asked for (Retry-After), in ms */
    retryAfterMs;
    constructor(message, options = {}) {
        super(message, { cause: options.cause });
        this.name = 'TransientError';
        this.retryAfterMs = options.retryAfterMs;
    }
}
const DEFAULT_MAX_ATTEMPTS = 6;
const DEFAULT_BASE_DELAY_MS = 1000;
const DEFAULT_MAX_DELAY_MS = 30_000;
/** Full-jitter exponential backoff: a random wait in [base*2^(n-1)/2, base*2^(n-1)], capped. */
function backoffDelay(attempt, baseDelayMs = DEFAULT_BASE_DELAY_MS, maxDelayMs = DEFAULT_MAX_DELAY_MS, random = Math.random) {
    const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
/** Retry-After as seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
function parseRetryAfter(value, now = Date.now()) {
    if (value === null || value === undefined)
        return undefined;
    const text = value.trim();
    if (/^\d+(\.\d+)?$/.test(text))
        return Math.round(Number(text) * 1000);
    const date = Date.parse(text);
    if (Number.isNaN(date))
        return undefined;
    return Math.max(0, date - now);
}
function sleep(ms, signal) {
    return new Promise((resolve, reject) => {
        if (signal?.aborted)
            return reject(signal.reason);
        const timer = setTimeout(() => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
        }, ms);
        const onAbort = () => {
            clearTimeout(timer);
            reject(signal?.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
    });
}
async function withRetries(options, attemptOnce) {
    const { what, maxAttempts = DEFAULT_MAX_ATTEMPTS, baseDelayMs = DEFAULT_BASE_DELAY_MS, maxDelayMs = DEFAULT_MAX_DELAY_MS, deadline, signal, onRetry, isRetryable = (error) => error instanceof TransientError, random = Math.random, now = Date.now } = options;
    for (let attempt = 1;; attempt++) {
        try {
            return await attemptOnce(attempt);
        }
        catch (error) {
            if (signal?.aborted || !isRetryable(error) || attempt >= maxAttempts)
                throw error;
            const requested = error instanceof TransientError ? error.retryAfterMs : undefined;
            const delayMs = Math.max(requested ?? 0, backoffDelay(attempt, baseDelayMs, maxDelayMs, random));
            if (deadline !== undefined && now() + delayMs >= deadline)
                throw error;
            onRetry?.({ what, attempt, delayMs, error: error });
            await sleep(delayMs, signal);
        }
    }
}


/***/ }),

/***/ 42642:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   lj: () => (/* binding */ runner)
/* harmony export */ });
/* unused harmony exports getInput, issueCommand, info, debug, warning, error, setFailed, setSecret, group, setOutput, appendSummary */
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(73024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__nccwpck_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(48161);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__nccwpck_require__.n(node_os__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var _builtins_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(23613);
// The runner's protocol (workflow commands on stdout, the GITHUB_OUTPUT and GITHUB_STEP_SUMMARY
// files), written by us: importing @actions/core at start-up loads its whole graph (OIDC client,
// http-client, node:http, undici, child_process), ~70 ms and ~10 MB for these few calls. Each
// function writes byte for byte what @actions/core 3.0.1 writes (lib/core.js, command.js,
// file-command.js, utils.js, summary.js); __tests__/unit/runner-commands.test.ts compares them.



/** An input as the runner passes it, untrimmed; '' when it is missing. */
function getInput(name) {
    return process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] || '';
}
function toCommandValue(input) {
    if (input === null || input === undefined)
        return '';
    if (typeof input === 'string' || input instanceof String)
        return input.toString();
    return JSON.stringify(input);
}
function escapeData(value) {
    return toCommandValue(value).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
function escapeProperty(value) {
    return escapeData(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
/** `::command key=value,key=value::message` and a line end, in one write. */
function issueCommand(command, properties, message) {
    let line = `::${command || 'missing.command'}`;
    const keys = Object.keys(properties ?? {});
    if (keys.length > 0) {
        // a space even when every value is empty, as core writes it
        line += ` ${keys
            .filter((key) => properties[key])
            .map((key) => `${key}=${escapeProperty(properties[key])}`)
            .join(',')}`;
    }
    process.stdout.write(`${line}::${escapeData(message)}${node_os__WEBPACK_IMPORTED_MODULE_1__.EOL}`);
}
function toCommandProperties(annotation) {
    if (Object.keys(annotation).length === 0)
        return {};
    const { title, file, startLine, endLine, startColumn, endColumn } = annotation;
    return { title, file, line: startLine, endLine, col: startColumn, endColumn };
}
function info(message) {
    process.stdout.write(message + node_os__WEBPACK_IMPORTED_MODULE_1__.EOL);
}
function debug(message) {
    issueCommand('debug', {}, message);
}
function warning(message, annotation = {}) {
    issueCommand('warning', toCommandProperties(annotation), message);
}
function error(message, annotation = {}) {
    issueCommand('error', toCommandProperties(annotation), message);
}
/** The step fails when the process ends (exit code 1); the message is an error annotation. */
function setFailed(message) {
    process.exitCode = 1;
    error(message);
}
/** The runner masks `secret` in every later line of the log. */
function setSecret(secret) {
    issueCommand('add-mask', {}, secret);
}
/** `fn` inside a collapsible group of the log, ended whatever `fn` does. */
async function group(name, fn) {
    issueCommand('group', {}, name);
    try {
        return await fn();
    }
    finally {
        issueCommand('endgroup', {}, '');
    }
}
/** A step output: a heredoc in GITHUB_OUTPUT, or the old `::set-output` command without it. */
function setOutput(name, value) {
    const filePath = process.env.GITHUB_OUTPUT || '';
    if (!filePath) {
        process.stdout.write(node_os__WEBPACK_IMPORTED_MODULE_1__.EOL);
        issueCommand('set-output', { name }, toCommandValue(value));
        return;
    }
    // a delimiter no one can guess, and neither the name nor the value may hold it
    const delimiter = `ghadelimiter_${(0,_builtins_js__WEBPACK_IMPORTED_MODULE_2__/* .nodeCrypto */ .SI)().randomUUID()}`;
    const converted = toCommandValue(value);
    if (name.includes(delimiter)) {
        throw new Error(`Unexpected input: name should not contain the delimiter "${delimiter}"`);
    }
    if (converted.includes(delimiter)) {
        throw new Error(`Unexpected input: value should not contain the delimiter "${delimiter}"`);
    }
    if (!(0,node_fs__WEBPACK_IMPORTED_MODULE_0__.existsSync)(filePath))
        throw new Error(`Missing file at path: ${filePath}`);
    (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.appendFileSync)(filePath, `${name}<<${delimiter}${node_os__WEBPACK_IMPORTED_MODULE_1__.EOL}${converted}${node_os__WEBPACK_IMPORTED_MODULE_1__.EOL}${delimiter}${node_os__WEBPACK_IMPORTED_MODULE_1__.EOL}`, { encoding: 'utf8' });
}
/**
 * What `core.summary.addRaw(text, true).write()` does: appends `text` and a line end to the step
 * summary (core also remembers the checked path and keeps a failed write's text; we write once).
 */
async function appendSummary(text) {
    const filePath = process.env.GITHUB_STEP_SUMMARY;
    const unset = 'Unable to find environment variable for $GITHUB_STEP_SUMMARY.';
    if (!filePath)
        throw new Error(`${unset} Check if your runtime environment supports job summaries.`);
    try {
        await node_fs__WEBPACK_IMPORTED_MODULE_0__.promises.access(filePath, node_fs__WEBPACK_IMPORTED_MODULE_0__.constants.R_OK | node_fs__WEBPACK_IMPORTED_MODULE_0__.constants.W_OK);
    }
    catch {
        const access = `Unable to access summary file: '${filePath}'.`;
        throw new Error(`${access} Check if the file has correct read/write permissions.`);
    }
    await node_fs__WEBPACK_IMPORTED_MODULE_0__.promises.appendFile(filePath, text + node_os__WEBPACK_IMPORTED_MODULE_1__.EOL, { encoding: 'utf8' });
}
/**
 * The calls the action makes, through this object: `npm run local-action` (src/local-action.ts)
 * swaps them for @actions/core's, which @github/local-action stands in for to show the run.
 */
const runner = { getInput, info, debug, warning, setFailed, setSecret, group, setOutput, appendSummary };


/***/ }),

/***/ 33260:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   E$: () => (/* binding */ redact),
/* harmony export */   KL: () => (/* reexport safe */ _redaction_js__WEBPACK_IMPORTED_MODULE_1__.KL),
/* harmony export */   fp: () => (/* reexport safe */ _redaction_js__WEBPACK_IMPORTED_MODULE_1__.fp),
/* harmony export */   yP: () => (/* binding */ maskUrl)
/* harmony export */ });
/* harmony import */ var _log_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(21827);
/* harmony import */ var _redaction_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(18108);
// Keeps secrets out of what the action shows: masks for the runner's log, redaction for the rest.
// The rules of redaction live in redaction.ts; this is the face the other layers use.



/**
 * Masks a presigned URL before anything can print it: the whole URL, its query string and
 * each query value long enough to be a credential (signatures, tokens, credentials).
 */
function maskUrl(url) {
    _log_js__WEBPACK_IMPORTED_MODULE_0__/* .log */ .Rm.setSecret(url);
    let parsed;
    try {
        parsed = new URL(url);
    }
    catch {
        return;
    }
    if (parsed.search.length > 1) {
        _log_js__WEBPACK_IMPORTED_MODULE_0__/* .log */ .Rm.setSecret(parsed.search.slice(1));
        _log_js__WEBPACK_IMPORTED_MODULE_0__/* .log */ .Rm.setSecret(parsed.search);
    }
    for (const value of parsed.searchParams.values()) {
        if (value.length >= 16) {
            _log_js__WEBPACK_IMPORTED_MODULE_0__/* .log */ .Rm.setSecret(value);
            const encoded = encodeURIComponent(value);
            if (encoded !== value)
                _log_js__WEBPACK_IMPORTED_MODULE_0__/* .log */ .Rm.setSecret(encoded);
        }
    }
}
/**
 * `text` without the given secrets, nor any the run registered or storage errors carry
 * (see redactSecrets): for errors built from others' text.
 */
function redact(text, secrets) {
    return (0,_redaction_js__WEBPACK_IMPORTED_MODULE_1__/* .redactSecrets */ .fp)(text, secrets);
}


/***/ }),

/***/ 73047:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   cW: () => (/* binding */ isLoopbackHost),
/* harmony export */   tE: () => (/* binding */ isLoopbackUrl),
/* harmony export */   vV: () => (/* binding */ checkSecretDestination)
/* harmony export */ });
/* unused harmony export forbiddenHost */
// Where a secret may travel: the host checks that the inputs (api-url, class-image-generator-url),
// the URLs the service hands back (upload, model, model card) and every call that carries the API
// key or a presigned URL share, so all of them draw the line in one place.
/** True for the hosts where plain http cannot leave the machine. */
function isLoopbackHost(hostname) {
    return (hostname === 'localhost' ||
        hostname === '[::1]' ||
        // WHATWG URL has already normalised IPv4 forms such as 127.1 to dotted quads
        /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname));
}
/** True when the URL parses and names a loopback host. */
function isLoopbackUrl(url) {
    try {
        return isLoopbackHost(new URL(url).hostname);
    }
    catch {
        return false;
    }
}
// Cloud instance metadata services hand out the machine's credentials to whoever asks.
const METADATA_HOSTS = new Set(['169.254.169.254', '[fd00:ec2::254]', 'metadata.google.internal', 'metadata.goog']);
/** Why a host must never receive a secret (link-local or a metadata service), or undefined. */
function forbiddenHost(hostname) {
    const host = hostname.toLowerCase().replace(/\.$/, '');
    const ipv4 = mappedIpv4(host) ?? host;
    if (METADATA_HOSTS.has(host) || METADATA_HOSTS.has(ipv4))
        return 'a cloud metadata address';
    if (/^169\.254\.\d{1,3}\.\d{1,3}$/.test(ipv4))
        return 'a link-local address (169.254.0.0/16)';
    const firstHextet = /^\[([0-9a-f]{1,4}):/.exec(host)?.[1];
    // fe80::/10: the first ten bits are 1111 1110 10
    if (firstHextet !== undefined && (parseInt(firstHextet, 16) & 0xffc0) === 0xfe80) {
        return 'a link-local address (fe80::/10)';
    }
    return undefined;
}
/** `[::ffff:a9fe:a9fe]` (how WHATWG URL writes an IPv4-mapped IPv6 address) as `169.254.169.254`. */
function mappedIpv4(host) {
    const match = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/.exec(host);
    if (!match)
        return undefined;
    const [high, low] = [parseInt(match[1], 16), parseInt(match[2], 16)];
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}
/**
 * Whether a URL may receive a secret (the API key, or a presigned URL's own signature): https to
 * any host but a link-local or metadata one; plain http only to this machine, and only when
 * `loopbackHttp` allows it (api-url itself is on this machine). The reason reads after the URL.
 */
function checkSecretDestination(raw, { loopbackHttp }) {
    if (typeof raw !== 'string')
        return { ok: false, reason: 'is not a string' };
    let url;
    try {
        url = new URL(raw);
    }
    catch {
        return { ok: false, reason: 'is not an absolute URL' };
    }
    if (url.username !== '' || url.password !== '')
        return { ok: false, reason: 'holds a user name or password' };
    const forbidden = forbiddenHost(url.hostname);
    if (forbidden)
        return { ok: false, reason: `points at ${forbidden}` };
    if (url.protocol === 'https:')
        return { ok: true, url };
    if (url.protocol !== 'http:')
        return { ok: false, reason: `uses ${url.protocol} where https is required` };
    if (!isLoopbackHost(url.hostname))
        return { ok: false, reason: 'is plain http to another machine; https is required' };
    if (!loopbackHttp)
        return { ok: false, reason: 'is plain http, which is only allowed when api-url is on this machine' };
    return { ok: true, url };
}


/***/ }),

/***/ 63280:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  f9: () => (/* reexport */ IMAGE_EXTENSIONS),
  xe: () => (/* reexport */ TiyaroApi),
  I2: () => (/* reexport */ UploadRefusedError),
  GO: () => (/* reexport */ callInference),
  gN: () => (/* reexport */ dreamboothInput),
  dR: () => (/* reexport */ isFinal),
  RT: () => (/* reexport */ startJobOnce),
  xR: () => (/* reexport */ uploadZip),
  qt: () => (/* reexport */ waitForJob)
});

// EXTERNAL MODULE: ./src/shared/http.ts + 1 modules
var http = __nccwpck_require__(79231);
// EXTERNAL MODULE: ./src/shared/log.ts
var log = __nccwpck_require__(21827);
// EXTERNAL MODULE: ./src/shared/retry.ts
var shared_retry = __nccwpck_require__(43091);
// EXTERNAL MODULE: ./src/shared/secrets.ts
var shared_secrets = __nccwpck_require__(33260);
// EXTERNAL MODULE: ./src/shared/urls.ts
var urls = __nccwpck_require__(73047);
// EXTERNAL MODULE: ./src/shared/format.ts
var format = __nccwpck_require__(36338);
// EXTERNAL MODULE: ./src/shared/job-id.ts
var job_id = __nccwpck_require__(64022);
// EXTERNAL MODULE: ./src/shared/answer-body.ts
var answer_body = __nccwpck_require__(69124);
// EXTERNAL MODULE: ./src/shared/errors.ts
var errors = __nccwpck_require__(58382);
// EXTERNAL MODULE: ./src/shared/http-types.ts
var http_types = __nccwpck_require__(62733);
;// CONCATENATED MODULE: ./src/shared/connection-errors.ts
// What to tell a user whose service cannot be reached. A client may say only "fetch failed" or
// "socket hang up"; the cause (the name does not resolve, refused, TLS, timed out) sits in the
// error or its causes as a system code. This module turns that into words, names the host (only
// the host: a presigned URL's path and query are credentials, and the key is never part of an
// error), and, for the seed's endpoint that no longer answers, says what to do instead.



/** The seed's hosted endpoint. The vendor's platform was retired and it no longer answers. */
const SEED_API_URL = 'https://tbi56pnorvhbzbalsqal2is7dy.appsync-api.us-west-2.amazonaws.com/graphql';
const SEED_HINT = "This is the seed's hosted Tiyaro endpoint, which no longer answers: set api-url to the GraphQL endpoint of a compatible service.";
const CAUSES = {
    ENOTFOUND: 'the name does not resolve',
    EAI_NONAME: 'the name does not resolve',
    EAI_NODATA: 'the name does not resolve',
    EAI_AGAIN: 'the name does not resolve for now, a temporary DNS failure',
    ECONNREFUSED: 'connection refused, nothing listens on that port',
    ETIMEDOUT: 'timed out while connecting',
    UND_ERR_CONNECT_TIMEOUT: 'timed out while connecting',
    UND_ERR_HEADERS_TIMEOUT: 'timed out waiting for an answer',
    UND_ERR_BODY_TIMEOUT: 'timed out while reading the answer',
    ECONNRESET: 'the connection was closed before an answer',
    ECONNABORTED: 'the connection was closed before an answer',
    EPIPE: 'the connection was closed before an answer',
    UND_ERR_SOCKET: 'the connection was closed before an answer',
    UND_ERR_CLOSED: 'the connection was closed before an answer',
    ENETUNREACH: 'the network is unreachable',
    EHOSTUNREACH: 'the host is unreachable'
};
const TLS_CAUSES = {
    DEPTH_ZERO_SELF_SIGNED_CERT: 'its certificate is self-signed',
    SELF_SIGNED_CERT_IN_CHAIN: 'its certificate chain ends in a self-signed certificate',
    CERT_HAS_EXPIRED: 'its certificate has expired',
    CERT_NOT_YET_VALID: 'its certificate is not valid yet',
    ERR_TLS_CERT_ALTNAME_INVALID: 'its certificate is for another host name',
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its certificate is not signed by a trusted authority',
    UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'its certificate is not signed by a trusted authority',
    ERR_SSL_WRONG_VERSION_NUMBER: 'it does not speak TLS on that port, plain http perhaps',
    ERR_SSL_PACKET_LENGTH_TOO_LONG: 'it does not speak TLS on that port, plain http perhaps'
};
const isTlsCode = (code) => code in TLS_CAUSES || /^(ERR_TLS_|ERR_SSL_)|CERT|SELF_SIGNED|UNABLE_TO_/.test(code);
/**
 * Node's https client reports a failed TLS handshake as EPROTO with OpenSSL's reason in the
 * message ("SSL routines:…:wrong version number:"): that reason as the code tls gives it
 * (ERR_SSL_WRONG_VERSION_NUMBER).
 */
function opensslCode(error) {
    if ((0,errors/* errorCode */.C)(error) !== 'EPROTO')
        return undefined;
    const reason = /SSL routines:[^:]*:([a-z0-9 ]+):/i.exec(error.message)?.[1];
    return reason ? `ERR_SSL_${reason.trim().toUpperCase().replace(/ +/g, '_')}` : 'ERR_SSL_PROTOCOL';
}
/** The cause of a failed connection in words, with its code; undefined when it is not one. */
function connectionCause(error, depth = 0) {
    // a wrapper (the retry policy's TransientError) tells less than what it wraps
    const wrapped = error?.cause;
    if (wrapped !== undefined && wrapped !== error && depth < 5) {
        const inner = connectionCause(wrapped, depth + 1);
        if (inner !== undefined)
            return inner;
    }
    const name = error?.name;
    // the request's own timeout (a cancelled run never gets here: the caller checks first)
    if (name === 'TimeoutError' || name === 'AbortError')
        return 'timed out: no answer within the request timeout';
    const code = opensslCode(error) ?? (0,errors/* errorCode */.C)(error);
    if (code === undefined)
        return undefined;
    if (isTlsCode(code))
        return `TLS error: ${TLS_CAUSES[code] ?? 'the secure connection could not be set up'} (${code})`;
    const cause = CAUSES[code] ?? (error instanceof http_types/* ConnectionError */.R ? 'the connection failed' : undefined);
    return cause === undefined ? undefined : `${cause} (${code})`;
}
/** The host and port of a URL, never its path or query; the text as given when it is no URL. */
function hostOf(url) {
    try {
        return new URL(url).host;
    }
    catch {
        return 'the service';
    }
}
/** True for the seed's endpoint, however it is written (host and path compared). */
function isSeedEndpoint(url) {
    try {
        const given = new URL(url);
        const seed = new URL(SEED_API_URL);
        return given.host === seed.host && given.pathname.replace(/\/+$/, '') === seed.pathname;
    }
    catch {
        return false;
    }
}
/**
 * `<what>: connection failed: cannot reach <host>: <cause>`, with the proxy when one is used and
 * the seed hint for the seed's endpoint; undefined when `error` is no connection failure.
 */
function connectionFailureMessage(what, url, error, env = process.env) {
    const cause = connectionCause(error);
    if (cause === undefined)
        return undefined;
    let via = '';
    try {
        // the proxy's own URL may hold a password: only say that one is used
        if ((0,http/* proxyFor */.iJ)(new URL(url), env))
            via = ` through the proxy (${url.startsWith('https:') ? 'HTTPS_PROXY' : 'HTTP_PROXY'})`;
    }
    catch {
        // no URL, no proxy
    }
    const message = `${what}: connection failed: cannot reach ${hostOf(url)}${via}: ${cause}.`;
    return isSeedEndpoint(url) ? `${message} ${SEED_HINT}` : message;
}

;// CONCATENATED MODULE: ./src/tiyaro/graphql.ts
// One GraphQL request to the retraining API, read the way AWS AppSync answers: HTTP 200 with
// `data` (whole, partly filled or null) and an `errors` list whose entries carry `errorType`;
// HTTP 401 `UnauthorizedException`; 400 `MalformedHttpRequestException`; validation errors in
// graphql-java's wording. Every failure becomes a TransientError, AnswerLostError or ApiError.






/** A failure the service reported and that repeating will not fix (bad input, unknown job, auth). */
class ApiError extends Error {
    operation;
    status;
    constructor(message, operation, status) {
        super(message);
        this.operation = operation;
        this.status = status;
        this.name = 'ApiError';
    }
}
/** The request may or may not have been carried out: its answer was lost, unreadable or a fault. */
class AnswerLostError extends shared_retry/* TransientError */.N_ {
    constructor(message, options = {}) {
        super(message, options);
        this.name = 'AnswerLostError';
    }
}
/** Sends one request (no retry) and returns its answer when the service answered GraphQL with 2xx. */
async function postGraphql(request) {
    const { url, apiKey, operation, document, variables, timeoutMs, signal } = request;
    const secrets = [apiKey];
    let answer;
    try {
        answer = await (0,http/* fetchLimited */.tp)(url, {
            method: 'POST',
            headers: { Authorization: apiKey, 'Content-Type': 'application/json', Accept: 'application/json' },
            body: JSON.stringify({ query: document, variables, operationName: operationNameOf(document) })
        }, { what: operation, maxBytes: answer_body/* ANSWER_LIMITS */.a.graphql, timeoutMs, signal });
    }
    catch (error) {
        if (signal?.aborted || error instanceof http/* ProxyError */.T6 || !(error instanceof shared_retry/* TransientError */.N_))
            throw error;
        // The request may have reached the service: whether it acted is unknown. A connection that
        // never opened says which host and why (name, refused, TLS, timeout).
        const explained = error instanceof http/* AnswerBrokenError */.ye ? undefined : connectionFailureMessage(operation, url, error.cause ?? error);
        throw new AnswerLostError(explained ?? error.message, { cause: error });
    }
    const { status, headers } = answer;
    const text = answer.body.toString('utf8');
    if (status >= 300 && status < 400) {
        throw new ApiError(`${operation}: ${(0,http/* describeRedirect */.GO)(status, headers.get('location'))}; the API key goes only to api-url`, operation, status);
    }
    const transient = (0,http/* transientStatusError */.B$)(operation, status, headers.get('retry-after'));
    // 429 is the service's front door saying "not now"; after a 5xx whether it acted is unknown.
    if (transient && status !== 429)
        throw new AnswerLostError(transient.message, { retryAfterMs: transient.retryAfterMs });
    if (transient)
        throw transient;
    if (status === 401 || status === 403) {
        throw new ApiError(`${operation}: the API key was refused (HTTP ${status}). Check the api-key secret and that it belongs to the service at api-url.`, operation, status);
    }
    const body = parseBody(text);
    if (status < 200 || status > 299) {
        const detail = body && body.errors.length > 0 ? describeErrors(body.errors) : (0,http/* bodyGist */.iP)(text);
        throw new ApiError((0,shared_secrets/* redact */.E$)(`${operation} failed: HTTP ${status} ${detail}`.trim(), secrets), operation, status);
    }
    if (!body) {
        // A 2xx page that is not GraphQL (a proxy's error page, a cut body): whether the service
        // acted is unknown, as with a lost answer.
        throw new AnswerLostError((0,shared_secrets/* redact */.E$)(`${operation}: the answer was not a GraphQL response (${(0,http/* bodyGist */.iP)(text, 120)})`, secrets));
    }
    return body;
}
/**
 * The value of a root field. When it is null and errors came with it, the errors say why: a
 * resolver that failed or timed out is an AnswerLostError (the work may have been done), the rest
 * an ApiError. Errors that came with a value are returned for the caller to judge.
 */
function rootField(answer, operation, field, apiKey) {
    const value = answer.data?.[field];
    if (value !== null && value !== undefined)
        return { value, errors: answer.errors };
    if (answer.errors.length > 0)
        throw errorsToError(operation, answer.errors, apiKey);
    return { value: null, errors: [] };
}
/** Errors that say a resolver (a Lambda, a data source) failed or ran out of time: worth asking again. */
function isResolverFault(error) {
    return (/^(Lambda|Http|DynamoDB|RDS):|Timeout|Throttl|InternalFailure|ServiceUnavailable/i.test(error.errorType ?? '') ||
        /timed out/i.test(error.message));
}
function errorsToError(operation, errors, apiKey) {
    const message = (0,shared_secrets/* redact */.E$)(`${operation} failed: ${describeErrors(errors)}`, [apiKey]);
    if (errors.some((error) => error.errorType === 'UnauthorizedException')) {
        return new ApiError(`${operation}: the API key was refused (UnauthorizedException)`, operation, 401);
    }
    if (errors.every(isResolverFault))
        return new AnswerLostError(message);
    return new ApiError(message, operation);
}
/** A validation error saying the schema has no such field, in graphql-js's or graphql-java's words. */
function isUnknownField(error, field) {
    return (error.message.includes(`Cannot query field "${field}"`) ||
        error.message.includes(`Validation error of type FieldUndefined: Field '${field}'`));
}
const MAX_SHOWN_ERRORS = 3;
const MAX_ERROR_LENGTH = 300;
/** "message (errorType); message", at most three, each cut short. */
function describeErrors(errors) {
    const shown = errors.slice(0, MAX_SHOWN_ERRORS).map((error) => {
        const text = (0,format/* clip */.$Q)(error.message, MAX_ERROR_LENGTH + 1);
        return error.errorType ? `${text} (${error.errorType})` : text;
    });
    const more = errors.length > MAX_SHOWN_ERRORS ? `; and ${errors.length - MAX_SHOWN_ERRORS} more` : '';
    return `${shown.join('; ')}${more}`;
}
/** `{data?, errors?}` with errors normalised, or undefined when the text is not a GraphQL answer. */
function parseBody(text) {
    let body;
    try {
        body = JSON.parse(text);
    }
    catch {
        return undefined;
    }
    if (!isObject(body))
        return undefined;
    const { data, errors } = body;
    if (data !== undefined && data !== null && !isObject(data))
        return undefined;
    if (errors !== undefined && errors !== null && !Array.isArray(errors))
        return undefined;
    if (data === undefined && !Array.isArray(errors))
        return undefined;
    return { data: data ?? null, errors: (errors ?? []).map(normaliseError) };
}
function normaliseError(entry) {
    if (!isObject(entry))
        return { message: 'an error without a message' };
    const message = typeof entry.message === 'string' && entry.message !== '' ? entry.message : 'no message';
    const errorType = typeof entry.errorType === 'string' ? entry.errorType.slice(0, 100) : undefined;
    const path = Array.isArray(entry.path) && entry.path.every((part) => typeof part === 'string' || typeof part === 'number')
        ? entry.path
        : undefined;
    return { message, ...(errorType ? { errorType } : {}), ...(path ? { path } : {}) };
}
function operationNameOf(document) {
    return /^\s*(?:query|mutation)\s+([A-Za-z_]\w*)/.exec(document)?.[1];
}
function isObject(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}

;// CONCATENATED MODULE: ./src/tiyaro/answers.ts
// The values the service hands back, checked against their shape as they arrive: a job ID must
// look like one (the job-id input's rule), a status must be one of the seed's enum values, every
// URL must be one a secret may go to. A value that fails is an UnexpectedAnswerError naming the
// operation and the field, so nothing later (outputs, summary, comment) meets a value of the
// wrong kind.





const JOB_STATUS_VALUES = ['running', 'done', 'failed', 'notfound'];
/** The service answered something of the wrong shape: a broken or hostile server. */
class UnexpectedAnswerError extends ApiError {
    constructor(operation, field, problem) {
        super(`${operation}: the service answered ${/^[aeiou]/i.test(field) ? 'an' : 'a'} ${field} that ${problem}`, operation);
        this.name = 'UnexpectedAnswerError';
    }
}
/** A value from the service, quoted and cut short, so that line breaks and `::` show as text. */
function quoteValue(value, max = 80) {
    const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
    return JSON.stringify((0,format/* clip */.$Q)(text, max + 1));
}
function checkJobId(value, operation) {
    if ((0,job_id/* isJobId */.d)(value))
        return value;
    throw new UnexpectedAnswerError(operation, 'job ID', `is not one: ${quoteValue(value)} (a job ID is ${job_id/* JOB_ID_RULE */.x})`);
}
/**
 * A URL a secret may go to (see checkSecretDestination). `secret` URLs (presigned) are never
 * quoted in the error.
 */
function checkUrl(value, { operation, field, loopbackHttp, secret = false }) {
    const checked = (0,urls/* checkSecretDestination */.vV)(value, { loopbackHttp });
    if (checked.ok)
        return value;
    const shown = secret ? '' : ` (${quoteValue(value)})`;
    throw new UnexpectedAnswerError(operation, field, `is refused${shown}: it ${checked.reason}`);
}
/**
 * A job's status. A null status is `notfound` (the seed's answer for an unknown job). The status
 * must be an enum value; when it is missing because its resolver failed, the check counts as
 * unanswered (transient). Other fields are used when they are strings: an error on one of them
 * (AppSync's partial data) does not spoil the status.
 */
function checkJobStatus(value, errors, operation) {
    if (value === null || value === undefined)
        return { statusEnum: 'notfound' };
    if (!isObject(value))
        throw new UnexpectedAnswerError(operation, 'status', `is not an object: ${quoteValue(value)}`);
    const { statusEnum } = value;
    if (statusEnum === null || statusEnum === undefined) {
        const why = errors[0] ? `: ${errors[0].message.slice(0, 200)}` : '';
        throw new shared_retry/* TransientError */.N_(`${operation}: the answer holds no statusEnum${why}`);
    }
    if (!JOB_STATUS_VALUES.includes(statusEnum)) {
        throw new UnexpectedAnswerError(operation, 'statusEnum', `is not one of ${JOB_STATUS_VALUES.join(', ')}: ${quoteValue(statusEnum)}`);
    }
    const text = (field) => (typeof value[field] === 'string' ? value[field] : null);
    const status = {
        statusEnum: statusEnum,
        errMsg: text('errMsg'),
        created: text('created'),
        finished: text('finished')
    };
    return 'jobInput' in value ? { ...status, jobInput: text('jobInput') } : status;
}
/**
 * The models of a list: null entries (an entry whose resolver failed) are left out and counted;
 * every other entry must be whole, with URLs a secret may go to.
 */
function checkModels(value, { operation, loopbackHttp }) {
    if (value === null || value === undefined)
        return { models: [], missing: 0 };
    if (!Array.isArray(value))
        throw new UnexpectedAnswerError(operation, 'models list', `is not a list: ${quoteValue(value)}`);
    const models = [];
    let missing = 0;
    value.forEach((entry, index) => {
        if (entry === null)
            return void missing++;
        const label = value.length > 1 ? `model ${index + 1}` : 'model';
        if (!isObject(entry))
            throw new UnexpectedAnswerError(operation, label, `is not an object: ${quoteValue(entry)}`);
        const text = (field) => {
            const field_ = entry[field];
            if (typeof field_ === 'string' && field_ !== '')
                return field_;
            throw new UnexpectedAnswerError(operation, `${label}'s ${field}`, `is not a non-empty string: ${quoteValue(field_)}`);
        };
        const url = (field) => checkUrl(text(field), { operation, field: `${label}'s ${field}`, loopbackHttp });
        models.push({
            vendor: text('vendor'),
            version: text('version'),
            name: text('name'),
            url: url('url'),
            modelCard: url('modelCard')
        });
    });
    return { models, missing };
}

;// CONCATENATED MODULE: ./src/tiyaro/api.ts









const OPERATION_NAMES = {
    original: { start: 'startRetrainingJob', models: 'getRetrainedModels' },
    later: { start: 'startTrainingJob', models: 'getTrainedModels' }
};
const NEW_JOB_ID = /* GraphQL */ `
  mutation NewJobID($jobType: JobType) {
    newJobID(jobType: $jobType)
  }
`;
const GET_JOB_INPUT_URL = /* GraphQL */ `
  query GetJobInputURL($jobID: String, $objName: String) {
    getJobInputURL(jobID: $jobID, objName: $objName)
  }
`;
const startDocument = (op) => `mutation StartJob($jobID: String, $input: JobInput) { ${op}(jobID: $jobID, input: $input) }`;
const statusDocument = (revision) => `query GetJobStatus($jobID: String) { getJobStatus(jobID: $jobID) { statusEnum errMsg created finished${revision === 'later' ? ' jobInput' : ''} } }`;
const modelsDocument = (op) => `query GetModels($jobID: String) { ${op}(jobID: $jobID) { vendor version name url modelCard } }`;
const REVISION_PROBE = /* GraphQL */ `
  query Revision {
    mutation: __type(name: "Mutation") {
      fields {
        name
      }
    }
  }
`;
class TiyaroApi {
    options;
    revision;
    revisionProbe;
    /** plain http is allowed for the URLs the service hands back only when api-url is on this machine */
    loopbackHttp;
    constructor(options) {
        this.options = options;
        this.revision = options.revision;
        this.loopbackHttp = (0,urls/* isLoopbackUrl */.tE)(options.url);
        // The inputs check api-url too; this is the line no caller can skip: the key goes nowhere else.
        // Only a dry run comes without one, and it sends nothing (a request to '' fails before a byte).
        const destination = (0,urls/* checkSecretDestination */.vV)(options.url, { loopbackHttp: this.loopbackHttp });
        if (options.url !== '' && !destination.ok) {
            throw new ApiError(`api-url ${destination.reason}; the API key is not sent there`, 'api-url');
        }
    }
    /** The revision in use, once known. */
    get apiRevision() {
        return this.revision;
    }
    async newJobId() {
        // A lost answer leaves an unused job behind at worst: nothing is paid until a start.
        const { value } = await this.call('newJobID', NEW_JOB_ID, { jobType: 'dreambooth' });
        if (value === null)
            throw new ApiError('newJobID returned no job ID', 'newJobID');
        return checkJobId(value, 'newJobID');
    }
    /** The presigned upload URL, masked before anything else is done with it. */
    async getJobInputUrl(jobID, objName) {
        const operation = 'getJobInputURL';
        const { value } = await this.call(operation, GET_JOB_INPUT_URL, { jobID, objName });
        if (value === null)
            throw new ApiError(`getJobInputURL returned no URL for job ${jobID}`, operation);
        if (typeof value === 'string')
            (0,shared_secrets/* maskUrl */.yP)(value);
        // checked before a byte is sent to it: it must not lead the dataset to plain http or a metadata address
        return checkUrl(value, { operation, field: 'upload URL', loopbackHttp: this.loopbackHttp, secret: true });
    }
    /**
     * Starts the training. Not idempotent, so it is sent once per try: when its answer is lost the
     * caller must look at the job's status before trying again (see startJobOnce).
     */
    async startJob(jobID, input) {
        await this.withRevision('start', (op) => this.call(op, startDocument(op), { jobID, input: { jobType: 'dreambooth', dreamboothInput: input } }, { maxAttempts: 1 }));
    }
    async getJobStatus(jobID, retry) {
        const revision = await this.detectRevision();
        const operation = 'getJobStatus';
        return this.withRetries(operation, retry, async () => {
            const { value, errors } = await this.send(operation, statusDocument(revision), { jobID });
            const status = checkJobStatus(value, errors, operation);
            if (errors.length > 0)
                log/* log */.Rm.debug(`${operation}: used the status despite: ${describeErrors(errors)}`);
            return status;
        });
    }
    async getModels(jobID) {
        const { value, errors, op } = await this.withRevision('models', (op) => this.call(op, modelsDocument(op), { jobID }).then((answer) => ({ ...answer, op })));
        const { models, missing } = checkModels(value, { operation: op, loopbackHttp: this.loopbackHttp });
        if (missing > 0 || errors.length > 0) {
            // AppSync's partial data: the entries that came are good; say what did not.
            const why = errors.length > 0 ? ` (${describeErrors(errors)})` : '';
            log/* log */.Rm.warning(`${op}: ${missing} of ${missing + models.length} models could not be read${why}; using the others`);
        }
        return models;
    }
    /**
     * Runs an operation whose name depends on the revision. When the service rejects the name in
     * validation (nothing was executed), the other revision's name is tried once.
     */
    async withRevision(kind, send) {
        const revision = await this.detectRevision();
        try {
            return await send(OPERATION_NAMES[revision][kind]);
        }
        catch (error) {
            const other = revision === 'original' ? 'later' : 'original';
            if (!(error instanceof ApiError) || !isUnknownField(error, OPERATION_NAMES[revision][kind]))
                throw error;
            this.revision = other;
            return send(OPERATION_NAMES[other][kind]);
        }
    }
    /** Asks the schema once whether it has the later revision's names; the original by default. */
    detectRevision() {
        if (this.revision)
            return Promise.resolve(this.revision);
        // one probe, however many calls ask at once
        this.revisionProbe ??= this.probeRevision().finally(() => (this.revisionProbe = undefined));
        return this.revisionProbe;
    }
    async probeRevision() {
        try {
            const { value } = await this.call('revision', REVISION_PROBE, {}, {}, 'mutation');
            const fields = value?.fields;
            const names = new Set((Array.isArray(fields) ? fields : []).map((field) => field?.name));
            this.revision =
                names.has(OPERATION_NAMES.later.start) && !names.has(OPERATION_NAMES.original.start) ? 'later' : 'original';
        }
        catch (error) {
            // A service that hides its schema is asked with the original names.
            if (!(error instanceof ApiError) || error.status === 401 || error.status === 403)
                throw error;
            this.revision = 'original';
        }
        return this.revision;
    }
    /** One operation with the run's retries: the value of its root field (`field`, the operation by default). */
    call(operation, document, variables, retry = {}, field = operation) {
        return this.withRetries(operation, retry, () => this.send(operation, document, variables, field));
    }
    withRetries(operation, retry = {}, attempt) {
        return (0,shared_retry/* withRetries */.LH)({ ...this.options.retry, ...retry, what: operation }, attempt);
    }
    async send(operation, document, variables, field = operation) {
        const { url, apiKey, requestTimeoutMs = http/* DEFAULT_REQUEST_TIMEOUT_MS */.Zc, retry } = this.options;
        const answer = await postGraphql({
            url,
            apiKey,
            operation,
            document,
            variables,
            timeoutMs: requestTimeoutMs,
            signal: retry?.signal
        });
        return rootField(answer, operation, field, apiKey);
    }
}

;// CONCATENATED MODULE: ./src/tiyaro/dreambooth-input.ts
/** The DreamBoothInput sent to the start: the required fields, then what the user set. */
function dreamboothInput(config) {
    return {
        name: config.name,
        version: config.version,
        ...(config.description ? { desc: config.description } : {}),
        datasetS3ObjName: config.zipName,
        class_prompt: config.classPrompt,
        instance_prompt: config.instancePrompt,
        ...config.hyperparameters
    };
}

// EXTERNAL MODULE: ./src/shared/image-info.ts
var image_info = __nccwpck_require__(99141);
;// CONCATENATED MODULE: ./src/tiyaro/inference.ts
// One call of a model's inference URL (the Tiyaro inference API): POST {"input": {...}} with
// `Authorization: Bearer <key>`, retried like every other call, answered with base64 images at
// `response.images[]`. Each image is checked by its content before it is handed back.







/** The service answered, and the answer says the call cannot succeed as it is. */
class InferenceError extends Error {
    status;
    constructor(message, status) {
        super(message);
        this.status = status;
        this.name = 'InferenceError';
    }
}
/** The file extension for an image of each format. */
const IMAGE_EXTENSIONS = { png: 'png', jpeg: 'jpg', webp: 'webp' };
/**
 * Calls the URL once (plus retries of transient faults) and returns its images, each a real
 * PNG, JPEG or WebP. Repeating an inference is safe: it makes an image, nothing else.
 */
async function callInference(url, input, options) {
    checkInferenceUrl(url, options.what);
    const { what, retry } = options;
    return (0,shared_retry/* withRetries */.LH)({ ...retry, what }, async () => {
        // one try: the whole answer within request-timeout-seconds, and no more than an image answer needs
        const answer = await (0,http/* fetchLimited */.tp)(url, {
            method: 'POST',
            headers: {
                Authorization: `Bearer ${options.apiKey}`,
                'Content-Type': 'application/json',
                Accept: 'application/json'
            },
            body: JSON.stringify({ input })
        }, {
            what,
            maxBytes: answer_body/* ANSWER_LIMITS */.a.inference,
            timeoutMs: options.requestTimeoutMs ?? http/* DEFAULT_REQUEST_TIMEOUT_MS */.Zc,
            signal: retry?.signal
        });
        const { status, headers } = answer;
        const text = answer.body.toString('utf8');
        const retryAfter = headers.get('retry-after');
        if (status >= 300 && status < 400) {
            throw new InferenceError(`${what}: ${(0,http/* describeRedirect */.GO)(status, headers.get('location'))}`, status);
        }
        const transient = (0,http/* transientStatusError */.B$)(what, status, retryAfter);
        if (transient)
            throw transient;
        if (status === 401 || status === 403) {
            throw new InferenceError(`${what}: the API key was refused (HTTP ${status})`, status);
        }
        if (status < 200 || status > 299) {
            throw new InferenceError((0,shared_secrets/* redact */.E$)(`${what}: HTTP ${status} ${(0,http/* bodyGist */.iP)(text)}`.trim(), [options.apiKey]), status);
        }
        let body;
        try {
            body = JSON.parse(text);
        }
        catch {
            // A 2xx page that is not JSON came from something in between (a gateway, a captive proxy).
            throw new shared_retry/* TransientError */.N_((0,shared_secrets/* redact */.E$)(`${what}: the answer was not JSON (${(0,http/* bodyGist */.iP)(text, 80)})`, [options.apiKey]));
        }
        return parseInferenceResponse(body, what);
    });
}
/** The images of an answer `{"response": {"images": ["<base64>", ...]}}`, each checked by content. */
function parseInferenceResponse(body, what = 'inference') {
    const response = isObject(body) ? body.response : undefined;
    const images = isObject(response) ? response.images : undefined;
    if (!Array.isArray(images))
        throw new InferenceError(`${what}: the answer has no response.images list`);
    if (images.length === 0)
        throw new InferenceError(`${what}: the answer holds no image`);
    return images.map((image, index) => {
        const label = images.length > 1 ? `${what}: image ${index + 1}` : what;
        if (typeof image !== 'string')
            throw new InferenceError(`${label} is not a base64 string`);
        const bytes = decodeBase64Image(image);
        const info = (0,image_info/* sniffImage */.WY)(bytes);
        if (!info)
            throw new InferenceError(`${label} is not a PNG, JPEG or WebP image (${bytes.length} bytes)`);
        return { ...info, bytes };
    });
}
/** Base64 (Node reads the standard and the URL-safe alphabet), also as a `data:image/...;base64,` URL. */
function decodeBase64Image(text) {
    return Buffer.from(text.replace(/^data:[^,]*;base64,/i, ''), 'base64');
}
/** The key goes only to https, or to plain http on this machine: never in clear over a network, never to a metadata address. */
function checkInferenceUrl(url, what) {
    const checked = (0,urls/* checkSecretDestination */.vV)(url, { loopbackHttp: true });
    if (!checked.ok)
        throw new InferenceError(`${what}: ${JSON.stringify(url.slice(0, 200))} ${checked.reason}; the API key is not sent there`);
}

;// CONCATENATED MODULE: ./src/tiyaro/start-job.ts
// startRetrainingJob is not idempotent and a second start is a second paid training. A start
// whose outcome is unknown (its answer was lost, or its resolver failed) is therefore never
// simply repeated: the job's status is asked until it shows the start, for a grace period,
// since a status can lag a few seconds behind a start; only a `notfound` at the end of the grace
// period lets the start be sent again.




/** How long a status may lag behind a start that went through. */
const START_CONFIRM_GRACE_MS = 15_000;
const CONFIRM_INTERVAL_MS = 2_000;
/** The start's outcome is unknown and the deadline came before the status said. */
class StartUnconfirmedError extends Error {
    constructor(jobId, cause) {
        super(`The start of job ${jobId} is unconfirmed: its answer was lost and its status did not show it before the deadline. It may be training; attach to it with the input job-id: ${jobId}`, { cause });
        this.name = 'StartUnconfirmedError';
    }
}
async function startJobOnce(api, jobId, input, options) {
    const { deadline, signal, maxAttempts = 6, baseDelayMs, graceMs = START_CONFIRM_GRACE_MS } = options;
    /** an earlier try's outcome is unknown */
    let unconfirmed = false;
    for (let attempt = 1;; attempt++) {
        const sentAt = Date.now();
        try {
            await api.startJob(jobId, input);
            return;
        }
        catch (error) {
            // A refusal after an unconfirmed try may only mean that try went through after all (and
            // the status still lags): it gets a grace period of its own.
            if (error instanceof ApiError && unconfirmed) {
                if ((await awaitStart(api, jobId, Date.now() + graceMs, options, error)) === 'started')
                    return;
                throw error;
            }
            if (!(error instanceof shared_retry/* TransientError */.N_) || signal.aborted)
                throw error;
            const firstDelayMs = Math.max(error.retryAfterMs ?? 0, (0,shared_retry/* backoffDelay */.EY)(attempt, baseDelayMs));
            if (!(error instanceof AnswerLostError)) {
                // refused at the door ("not now", HTTP 429): it did not run, so it is sent again
                if (attempt >= maxAttempts || Date.now() + firstDelayMs >= deadline)
                    throw error;
                await (0,shared_retry/* sleep */.yy)(firstDelayMs, signal);
                continue;
            }
            unconfirmed = true;
            log/* log */.Rm.info(`Start of job ${jobId} unconfirmed (${error.message}); asking its status for up to ${(0,format/* formatDuration */.a3)(graceMs)} before sending it again`);
            if ((await awaitStart(api, jobId, sentAt + graceMs, options, error, firstDelayMs)) === 'started')
                return;
            if (attempt >= maxAttempts)
                throw error;
            log/* log */.Rm.info(`Job ${jobId} is still not started ${(0,format/* formatDuration */.a3)(graceMs)} after the start was sent; sending it again`);
        }
    }
}
/**
 * Asks the status until it shows the job started, or until a status asked at or after
 * `graceEnd` says it is not. A check that gets no answer decides nothing; past the deadline the
 * start stays unconfirmed (an error: starting again blindly could pay twice).
 */
async function awaitStart(api, jobId, graceEnd, { deadline, signal, confirmIntervalMs = CONFIRM_INTERVAL_MS }, startError, firstDelayMs = 0) {
    let delayMs = firstDelayMs;
    for (;;) {
        if (Date.now() + delayMs >= deadline)
            throw new StartUnconfirmedError(jobId, startError);
        await (0,shared_retry/* sleep */.yy)(delayMs, signal);
        const status = await statusIfAnswered(api, jobId, signal);
        if (status && status.statusEnum !== 'notfound') {
            log/* log */.Rm.info(`Job ${jobId} is ${status.statusEnum}: the start went through.`);
            return 'started';
        }
        const left = graceEnd - Date.now();
        if (status && left <= 0)
            return 'not-started';
        // the last check falls on the end of the grace period
        delayMs = left > 0 ? Math.min(confirmIntervalMs, left) : confirmIntervalMs;
    }
}
/** The job's status, or undefined when the check got no answer (it decides nothing). */
async function statusIfAnswered(api, jobId, signal) {
    try {
        return await api.getJobStatus(jobId, { maxAttempts: 1 });
    }
    catch (error) {
        if (signal.aborted || !(error instanceof shared_retry/* TransientError */.N_))
            throw error;
        log/* log */.Rm.info(`Status of job ${jobId}: no answer (${error.message})`);
        return undefined;
    }
}

;// CONCATENATED MODULE: ./src/tiyaro/upload-body.ts
// The body of the upload: bytes made on demand for each try (the zip is written into the
// request as it is sent, not read back from a file), with a Content-Length known up front.
//
// The request pulls the body (an async iterable) one chunk at a time and asks for the next only
// once the socket took the one before (shared/http-direct.ts), so the maker may reuse its buffers and memory stays flat with
// no help from the garbage collector. exactBody holds the body to its Content-Length.
/** The error of a body that does not keep to its Content-Length (a bug of the maker, not the network). */
class BodyLengthError extends Error {
    name = 'BodyLengthError';
}
/**
 * The pass's bytes, one chunk at a time as they come (the maker reuses a chunk's buffer once the
 * next is asked for, so none is held back here), stopped before a byte past `bytes` goes out.
 * A body that ends short fails here too; no client would complete such a request either.
 * `onProgress` hears the bytes the socket took so far.
 */
async function* exactBody(pass, bytes, onProgress) {
    let sent = 0;
    onProgress?.(0);
    for await (const chunk of pass) {
        sent += chunk.length;
        if (sent > bytes)
            throw new BodyLengthError(`the body goes past its Content-Length of ${bytes} bytes`);
        yield chunk;
        // asked for the next chunk: the socket took this one
        onProgress?.(sent);
    }
    if (sent !== bytes)
        throw new BodyLengthError(`the body ended after ${sent} bytes, not its Content-Length of ${bytes}`);
}

;// CONCATENATED MODULE: ./src/tiyaro/upload.ts
// PUT of the zip to the presigned URL, its bytes made as they are sent (upload-body.ts) with the
// Content-Length announced up front: never chunked, which S3 refuses for presigned PUTs. Each try
// makes the body afresh. The URL is a credential: no message made here contains it.





/** The storage refused the URL (HTTP 403): expired, or its signature no longer matches. */
class UploadRefusedError extends Error {
    status;
    gist;
    constructor(status, gist) {
        super(`upload refused (HTTP ${status})${gist ? `: ${gist}` : ''}`);
        this.status = status;
        this.gist = gist;
        this.name = 'UploadRefusedError';
    }
}
class UploadError extends Error {
    status;
    constructor(status, gist) {
        super(`upload failed (HTTP ${status})${gist ? `: ${gist}` : ''}`);
        this.status = status;
        this.name = 'UploadError';
    }
}
/** Uploads the source's bytes; what the pass that was stored made (e.g. the zip's sha256). */
async function uploadZip(url, options) {
    // The URL is a credential: never to plain http off this machine, never to a metadata address.
    const destination = (0,urls/* checkSecretDestination */.vV)(url, { loopbackHttp: true });
    if (!destination.ok)
        throw new Error(`upload: the upload URL ${destination.reason}; nothing is sent to it`);
    return (0,shared_retry/* withRetries */.LH)({ ...options.retry, what: 'upload' }, () => putOnce(url, options));
}
async function putOnce(url, { source, retry, onProgress, idleTimeoutMs = http/* DEFAULT_REQUEST_TIMEOUT_MS */.Zc }) {
    const pass = source.pass();
    try {
        let response;
        try {
            response = await (0,http/* send */.tN)(url, {
                method: 'PUT',
                headers: { 'content-type': 'application/octet-stream', 'content-length': String(source.bytes) },
                // pulled a chunk at a time: a Readable in between would read ahead and hand buffers back
                // before they are sent
                body: exactBody(pass, source.bytes, onProgress),
                signal: retry?.signal,
                idleTimeoutMs
            });
        }
        catch (error) {
            // a file that changed under us is the reason, not the request it cut short
            throw pass.failure ?? (0,http/* classifyRequestError */.qJ)(error, 'upload', retry?.signal);
        }
        const status = response.status;
        let body;
        try {
            // storage answers in a few bytes: the whole answer within the request timeout, capped
            const limits = { what: 'upload', maxBytes: answer_body/* ANSWER_LIMITS */.a.upload, timeoutMs: idleTimeoutMs, signal: retry?.signal };
            body = (await (0,answer_body/* readLimited */.t)(response.body, limits)).toString('utf8');
        }
        catch (error) {
            throw pass.failure ?? (0,http/* classifyRequestError */.qJ)(error, 'upload', retry?.signal);
        }
        if (status >= 300 && status < 400) {
            throw new UploadError(status, (0,http/* describeRedirect */.GO)(status, (0,http/* headerValue */.Z)(response.headers, 'location')));
        }
        if (status >= 200 && status < 300) {
            // Storage answers a PUT with an ETag and no body; a page in its place came from something
            // in between (a captive proxy, a gateway), so the object may not be stored.
            if (response.headers.etag === undefined && body.trim() !== '') {
                throw new shared_retry/* TransientError */.N_(`upload: HTTP ${status} without an ETag, and a body that is not storage's (${(0,http/* bodyGist */.iP)(body, 80)})`);
            }
            pass.cancel(new shared_retry/* TransientError */.N_(`upload: HTTP ${status} before the whole body was sent`));
            return await pass.result;
        }
        const transient = (0,http/* transientStatusError */.B$)('upload', status, (0,http/* headerValue */.Z)(response.headers, 'retry-after'));
        if (transient)
            throw transient;
        if (status === 403)
            throw new UploadRefusedError(status, (0,http/* bodyGist */.iP)(body));
        throw new UploadError(status, (0,http/* bodyGist */.iP)(body));
    }
    finally {
        // the try is over: its maker stops (a no-op when it ended), closes its files, then the next try starts
        pass.cancel(new Error('the upload try ended'));
        await pass.result.catch(() => undefined);
    }
}

;// CONCATENATED MODULE: ./src/tiyaro/wait.ts

/** The job has ended, one way or another: done, failed, or not found. */
function isFinal(status) {
    return status.statusEnum === 'done' || status.statusEnum === 'failed' || status.statusEnum === 'notfound';
}
async function waitForJob(api, options) {
    const { jobId, deadline, pollIntervalMs, signal, onCheck, now = Date.now } = options;
    const started = now();
    let last;
    for (let check = 1;; check++) {
        if (signal?.aborted)
            return { kind: 'cancelled', status: last };
        const checkStarted = now();
        try {
            // One try per check: a check that gets no answer is repeated at the next interval.
            last = await api.getJobStatus(jobId, { maxAttempts: 1 });
            onCheck?.({ check, elapsedMs: now() - started, status: last });
            if (isFinal(last))
                return { kind: last.statusEnum, status: last };
        }
        catch (error) {
            if (signal?.aborted)
                return { kind: 'cancelled', status: last };
            if (!(error instanceof shared_retry/* TransientError */.N_))
                throw error;
            onCheck?.({ check, elapsedMs: now() - started, error });
        }
        if (now() >= deadline)
            return { kind: 'timed-out', status: last };
        // The next check starts one interval after this one started, not after it ended; the last
        // one falls on the deadline itself, so a job that ends just before it is still seen.
        try {
            await sleepUntil(Math.min(checkStarted + pollIntervalMs, deadline), now, signal);
        }
        catch {
            return { kind: 'cancelled', status: last };
        }
    }
}
function sleepUntil(when, now, signal) {
    return (0,shared_retry/* sleep */.yy)(Math.max(0, when - now()), signal);
}

;// CONCATENATED MODULE: ./src/tiyaro/index.ts
// The Tiyaro layer's public face: the GraphQL client, the upload, the one start, the wait and
// the inference API. It speaks to the service and nothing else: no GitHub, no dataset.








/***/ }),

/***/ 42613:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("assert");

/***/ }),

/***/ 20181:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("buffer");

/***/ }),

/***/ 35317:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("child_process");

/***/ }),

/***/ 49140:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("constants");

/***/ }),

/***/ 76982:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("crypto");

/***/ }),

/***/ 24434:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("events");

/***/ }),

/***/ 79896:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("fs");

/***/ }),

/***/ 91943:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("fs/promises");

/***/ }),

/***/ 58611:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("http");

/***/ }),

/***/ 65692:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("https");

/***/ }),

/***/ 69278:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("net");

/***/ }),

/***/ 34589:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:assert");

/***/ }),

/***/ 16698:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:async_hooks");

/***/ }),

/***/ 4573:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:buffer");

/***/ }),

/***/ 37540:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:console");

/***/ }),

/***/ 77598:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:crypto");

/***/ }),

/***/ 53053:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:diagnostics_channel");

/***/ }),

/***/ 40610:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:dns");

/***/ }),

/***/ 78474:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:events");

/***/ }),

/***/ 73024:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs");

/***/ }),

/***/ 51455:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs/promises");

/***/ }),

/***/ 37067:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:http");

/***/ }),

/***/ 32467:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:http2");

/***/ }),

/***/ 44708:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:https");

/***/ }),

/***/ 77030:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:net");

/***/ }),

/***/ 48161:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:os");

/***/ }),

/***/ 76760:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:path");

/***/ }),

/***/ 643:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:perf_hooks");

/***/ }),

/***/ 1708:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:process");

/***/ }),

/***/ 41792:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:querystring");

/***/ }),

/***/ 57075:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:stream");

/***/ }),

/***/ 46193:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:string_decoder");

/***/ }),

/***/ 41692:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:tls");

/***/ }),

/***/ 73136:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:url");

/***/ }),

/***/ 57975:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:util");

/***/ }),

/***/ 73429:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:util/types");

/***/ }),

/***/ 75919:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:worker_threads");

/***/ }),

/***/ 38522:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:zlib");

/***/ }),

/***/ 70857:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("os");

/***/ }),

/***/ 16928:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("path");

/***/ }),

/***/ 932:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("process");

/***/ }),

/***/ 2203:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("stream");

/***/ }),

/***/ 13193:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("string_decoder");

/***/ }),

/***/ 53557:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("timers");

/***/ }),

/***/ 64756:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("tls");

/***/ }),

/***/ 52018:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("tty");

/***/ }),

/***/ 87016:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("url");

/***/ }),

/***/ 39023:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("util");

/***/ }),

/***/ 43106:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("zlib");

/***/ })

/******/ });
/************************************************************************/
/******/ // The module cache
/******/ var __webpack_module_cache__ = {};
/******/ 
/******/ // The require function
/******/ function __nccwpck_require__(moduleId) {
/******/ 	// Check if module is in cache
/******/ 	var cachedModule = __webpack_module_cache__[moduleId];
/******/ 	if (cachedModule !== undefined) {
/******/ 		return cachedModule.exports;
/******/ 	}
/******/ 	// Create a new module (and put it into the cache)
/******/ 	var module = __webpack_module_cache__[moduleId] = {
/******/ 		id: moduleId,
/******/ 		loaded: false,
/******/ 		exports: {}
/******/ 	};
/******/ 
/******/ 	// Execute the module function
/******/ 	var threw = true;
/******/ 	try {
/******/ 		__webpack_modules__[moduleId].call(module.exports, module, module.exports, __nccwpck_require__);
/******/ 		threw = false;
/******/ 	} finally {
/******/ 		if(threw) delete __webpack_module_cache__[moduleId];
/******/ 	}
/******/ 
/******/ 	// Flag the module as loaded
/******/ 	module.loaded = true;
/******/ 
/******/ 	// Return the exports of the module
/******/ 	return module.exports;
/******/ }
/******/ 
/******/ // expose the modules object (__webpack_modules__)
/******/ __nccwpck_require__.m = __webpack_modules__;
/******/ 
/************************************************************************/
/******/ /* webpack/runtime/asset-relocator-loader */
/******/ if (typeof __nccwpck_require__ !== 'undefined') __nccwpck_require__.ab = decodeURIComponent(new URL('.', import.meta.url).pathname).slice(import.meta.url.match(/^file:\/\/\/\w:/) ? 1 : 0, -1) + "/";
/******/ 
/******/ /* webpack/runtime/async module */
/******/ (() => {
/******/ 	var webpackQueues = typeof Symbol === "function" ? Symbol("webpack queues") : "__webpack_queues__";
/******/ 	var webpackExports = typeof Symbol === "function" ? Symbol("webpack exports") : "__webpack_exports__";
/******/ 	var webpackError = typeof Symbol === "function" ? Symbol("webpack error") : "__webpack_error__";
/******/ 	var resolveQueue = (queue) => {
/******/ 		if(queue && queue.d < 1) {
/******/ 			queue.d = 1;
/******/ 			queue.forEach((fn) => (fn.r--));
/******/ 			queue.forEach((fn) => (fn.r-- ? fn.r++ : fn()));
/******/ 		}
/******/ 	}
/******/ 	var wrapDeps = (deps) => (deps.map((dep) => {
/******/ 		if(dep !== null && typeof dep === "object") {
/******/ 			if(dep[webpackQueues]) return dep;
/******/ 			if(dep.then) {
/******/ 				var queue = [];
/******/ 				queue.d = 0;
/******/ 				dep.then((r) => {
/******/ 					obj[webpackExports] = r;
/******/ 					resolveQueue(queue);
/******/ 				}, (e) => {
/******/ 					obj[webpackError] = e;
/******/ 					resolveQueue(queue);
/******/ 				});
/******/ 				var obj = {};
/******/ 				obj[webpackQueues] = (fn) => (fn(queue));
/******/ 				return obj;
/******/ 			}
/******/ 		}
/******/ 		var ret = {};
/******/ 		ret[webpackQueues] = x => {};
/******/ 		ret[webpackExports] = dep;
/******/ 		return ret;
/******/ 	}));
/******/ 	__nccwpck_require__.a = (module, body, hasAwait) => {
/******/ 		var queue;
/******/ 		hasAwait && ((queue = []).d = -1);
/******/ 		var depQueues = new Set();
/******/ 		var exports = module.exports;
/******/ 		var currentDeps;
/******/ 		var outerResolve;
/******/ 		var reject;
/******/ 		var promise = new Promise((resolve, rej) => {
/******/ 			reject = rej;
/******/ 			outerResolve = resolve;
/******/ 		});
/******/ 		promise[webpackExports] = exports;
/******/ 		promise[webpackQueues] = (fn) => (queue && fn(queue), depQueues.forEach(fn), promise["catch"](x => {}));
/******/ 		module.exports = promise;
/******/ 		body((deps) => {
/******/ 			currentDeps = wrapDeps(deps);
/******/ 			var fn;
/******/ 			var getResult = () => (currentDeps.map((d) => {
/******/ 				if(d[webpackError]) throw d[webpackError];
/******/ 				return d[webpackExports];
/******/ 			}))
/******/ 			var promise = new Promise((resolve) => {
/******/ 				fn = () => (resolve(getResult));
/******/ 				fn.r = 0;
/******/ 				var fnQueue = (q) => (q !== queue && !depQueues.has(q) && (depQueues.add(q), q && !q.d && (fn.r++, q.push(fn))));
/******/ 				currentDeps.map((dep) => (dep[webpackQueues](fnQueue)));
/******/ 			});
/******/ 			return fn.r ? promise : getResult();
/******/ 		}, (err) => ((err ? reject(promise[webpackError] = err) : outerResolve(exports)), resolveQueue(queue)));
/******/ 		queue && queue.d < 0 && (queue.d = 0);
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/compat get default export */
/******/ (() => {
/******/ 	// getDefaultExport function for compatibility with non-harmony modules
/******/ 	__nccwpck_require__.n = (module) => {
/******/ 		var getter = module && module.__esModule ?
/******/ 			() => (module['default']) :
/******/ 			() => (module);
/******/ 		__nccwpck_require__.d(getter, { a: getter });
/******/ 		return getter;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/create fake namespace object */
/******/ (() => {
/******/ 	var getProto = Object.getPrototypeOf ? (obj) => (Object.getPrototypeOf(obj)) : (obj) => (obj.__proto__);
/******/ 	var leafPrototypes;
/******/ 	// create a fake namespace object
/******/ 	// mode & 1: value is a module id, require it
/******/ 	// mode & 2: merge all properties of value into the ns
/******/ 	// mode & 4: return value when already ns object
/******/ 	// mode & 16: return value when it's Promise-like
/******/ 	// mode & 8|1: behave like require
/******/ 	__nccwpck_require__.t = function(value, mode) {
/******/ 		if(mode & 1) value = this(value);
/******/ 		if(mode & 8) return value;
/******/ 		if(typeof value === 'object' && value) {
/******/ 			if((mode & 4) && value.__esModule) return value;
/******/ 			if((mode & 16) && typeof value.then === 'function') return value;
/******/ 		}
/******/ 		var ns = Object.create(null);
/******/ 		__nccwpck_require__.r(ns);
/******/ 		var def = {};
/******/ 		leafPrototypes = leafPrototypes || [null, getProto({}), getProto([]), getProto(getProto)];
/******/ 		for(var current = mode & 2 && value; typeof current == 'object' && !~leafPrototypes.indexOf(current); current = getProto(current)) {
/******/ 			Object.getOwnPropertyNames(current).forEach((key) => (def[key] = () => (value[key])));
/******/ 		}
/******/ 		def['default'] = () => (value);
/******/ 		__nccwpck_require__.d(ns, def);
/******/ 		return ns;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/define property getters */
/******/ (() => {
/******/ 	// define getter functions for harmony exports
/******/ 	__nccwpck_require__.d = (exports, definition) => {
/******/ 		for(var key in definition) {
/******/ 			if(__nccwpck_require__.o(definition, key) && !__nccwpck_require__.o(exports, key)) {
/******/ 				Object.defineProperty(exports, key, { enumerable: true, get: definition[key] });
/******/ 			}
/******/ 		}
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/ensure chunk */
/******/ (() => {
/******/ 	__nccwpck_require__.f = {};
/******/ 	// This file contains only the entry chunk.
/******/ 	// The chunk loading function for additional chunks
/******/ 	__nccwpck_require__.e = (chunkId) => {
/******/ 		return Promise.all(Object.keys(__nccwpck_require__.f).reduce((promises, key) => {
/******/ 			__nccwpck_require__.f[key](chunkId, promises);
/******/ 			return promises;
/******/ 		}, []));
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/get javascript chunk filename */
/******/ (() => {
/******/ 	// This function allow to reference async chunks
/******/ 	__nccwpck_require__.u = (chunkId) => {
/******/ 		// return url for filenames based on template
/******/ 		return "" + chunkId + ".index.js";
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/hasOwnProperty shorthand */
/******/ (() => {
/******/ 	__nccwpck_require__.o = (obj, prop) => (Object.prototype.hasOwnProperty.call(obj, prop))
/******/ })();
/******/ 
/******/ /* webpack/runtime/make namespace object */
/******/ (() => {
/******/ 	// define __esModule on exports
/******/ 	__nccwpck_require__.r = (exports) => {
/******/ 		if(typeof Symbol !== 'undefined' && Symbol.toStringTag) {
/******/ 			Object.defineProperty(exports, Symbol.toStringTag, { value: 'Module' });
/******/ 		}
/******/ 		Object.defineProperty(exports, '__esModule', { value: true });
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/node module decorator */
/******/ (() => {
/******/ 	__nccwpck_require__.nmd = (module) => {
/******/ 		module.paths = [];
/******/ 		if (!module.children) module.children = [];
/******/ 		return module;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/import chunk loading */
/******/ (() => {
/******/ 	// no baseURI
/******/ 	
/******/ 	// object to store loaded and loading chunks
/******/ 	// undefined = chunk not loaded, null = chunk preloaded/prefetched
/******/ 	// [resolve, Promise] = chunk loading, 0 = chunk loaded
/******/ 	var installedChunks = {
/******/ 		792: 0
/******/ 	};
/******/ 	
/******/ 	var installChunk = (data) => {
/******/ 		var {ids, modules, runtime} = data;
/******/ 		// add "modules" to the modules object,
/******/ 		// then flag all "ids" as loaded and fire callback
/******/ 		var moduleId, chunkId, i = 0;
/******/ 		for(moduleId in modules) {
/******/ 			if(__nccwpck_require__.o(modules, moduleId)) {
/******/ 				__nccwpck_require__.m[moduleId] = modules[moduleId];
/******/ 			}
/******/ 		}
/******/ 		if(runtime) runtime(__nccwpck_require__);
/******/ 		for(;i < ids.length; i++) {
/******/ 			chunkId = ids[i];
/******/ 			if(__nccwpck_require__.o(installedChunks, chunkId) && installedChunks[chunkId]) {
/******/ 				installedChunks[chunkId][0]();
/******/ 			}
/******/ 			installedChunks[ids[i]] = 0;
/******/ 		}
/******/ 	
/******/ 	}
/******/ 	
/******/ 	__nccwpck_require__.f.j = (chunkId, promises) => {
/******/ 			// import() chunk loading for javascript
/******/ 			var installedChunkData = __nccwpck_require__.o(installedChunks, chunkId) ? installedChunks[chunkId] : undefined;
/******/ 			if(installedChunkData !== 0) { // 0 means "already installed".
/******/ 	
/******/ 				// a Promise means "currently loading".
/******/ 				if(installedChunkData) {
/******/ 					promises.push(installedChunkData[1]);
/******/ 				} else {
/******/ 					if(true) { // all chunks have JS
/******/ 						// setup Promise in chunk cache
/******/ 						var promise = import("./" + __nccwpck_require__.u(chunkId)).then(installChunk, (e) => {
/******/ 							if(installedChunks[chunkId] !== 0) installedChunks[chunkId] = undefined;
/******/ 							throw e;
/******/ 						});
/******/ 						var promise = Promise.race([promise, new Promise((resolve) => (installedChunkData = installedChunks[chunkId] = [resolve]))])
/******/ 						promises.push(installedChunkData[1] = promise);
/******/ 					}
/******/ 				}
/******/ 			}
/******/ 	};
/******/ 	
/******/ 	// no prefetching
/******/ 	
/******/ 	// no preloaded
/******/ 	
/******/ 	// no external install chunk
/******/ 	
/******/ 	// no on chunks loaded
/******/ })();
/******/ 
/************************************************************************/
/******/ 
/******/ // startup
/******/ // Load entry module and return exports
/******/ // This entry module used 'module' so it can't be inlined
/******/ var __webpack_exports__ = __nccwpck_require__(79407);
/******/ __webpack_exports__ = await __webpack_exports__;
/******/ 
