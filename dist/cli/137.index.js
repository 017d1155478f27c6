export const id = 137;
export const ids = [137];
export const modules = {

/***/ 1137:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   closeProxied: () => (/* binding */ closeProxied),
/* harmony export */   sendProxied: () => (/* binding */ sendProxied)
/* harmony export */ });
/* harmony import */ var undici__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(4371);

const agents = new Map();
async function sendProxied(proxy, url, { method, headers, body, signal, idleTimeoutMs }) {
    let agent = agents.get(proxy);
    if (!agent) {
        agent = new undici__WEBPACK_IMPORTED_MODULE_0__/* .ProxyAgent */ .kT(proxy);
        agents.set(proxy, agent);
    }
    const answer = await (0,undici__WEBPACK_IMPORTED_MODULE_0__/* .request */ .Em)(url, {
        method: method,
        headers: headers === undefined ? undefined : { ...headers },
        // undici takes an async iterable as its documentation says, though its types leave it out
        body: body,
        dispatcher: agent,
        signal,
        ...(idleTimeoutMs === undefined ? {} : { headersTimeout: idleTimeoutMs, bodyTimeout: idleTimeoutMs })
    });
    return { status: answer.statusCode, headers: answer.headers, body: answer.body };
}
async function closeProxied() {
    const all = [...agents.values()];
    agents.clear();
    await Promise.all(all.map((agent) => agent.close().catch(() => undefined)));
}


/***/ })

};
