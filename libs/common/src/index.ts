// Public entry point of @rampart/common: the few pure helpers every layer shares (pure
// libraries cannot import @rampart/platform, so they live below all of them). No
// framework and no dependency beyond node built-ins.

export { canonicalJson } from './canonical-json';
export { deepFreeze } from './deep-freeze';
export { isUuid } from './uuid';
