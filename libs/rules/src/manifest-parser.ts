// Parsing manifest files (YAML or JSON, one or more documents) into plain objects.
//
// YAML 1.1 on purpose: Kubernetes reads manifests with go-yaml's 1.1 rules, so
// `privileged: yes` or `hostPID: on` mean true to the API server. Parsing them as
// YAML 1.2 strings would let exactly those settings slip past the rules.

import { type CST, Composer, type Document, LineCounter, type Node, Parser, type Tags, isMap, isPair, isScalar, isSeq } from 'yaml';
import type { Manifest } from './types';
import { isObject } from './workload';

export class ManifestParseError extends Error {
  constructor(
    message: string,
    /** 1-based line of the problem. */
    readonly line: number,
    /** 1-based column of the problem. */
    readonly column: number,
    /** 0-based index of the document (among `---`-separated documents), when known. */
    readonly documentIndex?: number,
  ) {
    super(message);
    this.name = 'ManifestParseError';
  }
}

/**
 * Bounds on what one manifest text may hold, checked while its documents are composed
 * and before any is converted or evaluated: parsing is linear in the text, and these
 * keep the work after it (and the memory) small too. Generous for real manifests.
 */
export interface ManifestLimits {
  readonly maxDocuments: number;
  readonly maxNodes: number;
  readonly maxDepth: number;
  readonly maxScalarLength: number;
}

export const MANIFEST_LIMITS: ManifestLimits = Object.freeze({
  /** Objects in one text: documents, plus the items of `kind: List` documents. */
  maxDocuments: 5_000,
  /** YAML nodes (keys, values and collections) in the whole text. */
  maxNodes: 200_000,
  /** Collections nested inside each other (a Deployment's containers sit at depth 6). */
  maxDepth: 100,
  /** Characters in one scalar (key or value); 256 KiB, Kubernetes' limit on all annotations of an object. */
  maxScalarLength: 256 * 1024,
});

// go-yaml does not read sexagesimal numbers (`1:20` → 80); keep them strings as Kubernetes does.
const dropSexagesimal = (tags: Tags): Tags =>
  tags.filter((tag) => !(typeof tag === 'object' && 'format' in tag && tag.format === 'TIME'));

const PARSE_OPTIONS = {
  version: '1.1',
  customTags: dropSexagesimal,
  // Duplicate keys are refused (see checkDocument), but not by the library: its check
  // compares every key with every earlier one of its mapping, quadratic in the keys.
  uniqueKeys: false,
} as const;

/** Where a check failed: the node's start, and what to say. */
class LimitExceeded extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

function describeKey(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

/** A limit crossed in the token stream, before the library composed the document. */
class TokenLimitExceeded extends Error {
  constructor(
    override readonly cause: LimitExceeded,
    readonly documentIndex: number,
  ) {
    super(cause.message);
  }
}

/**
 * Measures the nesting of each document's syntax tree before the library composes it:
 * composing is recursive, and a text of nothing but brackets would exhaust the stack.
 */
function* checkedTokens(tokens: Iterable<CST.Token>, limits: ManifestLimits): Generator<CST.Token> {
  let documents = 0;
  for (const token of tokens) {
    if (token.type === 'document') {
      try {
        checkTokenDepth(token.value, limits.maxDepth);
      } catch (err) {
        if (err instanceof LimitExceeded) throw new TokenLimitExceeded(err, documents);
        throw err;
      }
      documents++;
    }
    yield token;
  }
}

function checkTokenDepth(root: CST.Token | undefined, maxDepth: number): void {
  const stack: [CST.Token | undefined, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [token, depth] = stack.pop()!;
    if (token === undefined) continue;
    if (token.type !== 'block-map' && token.type !== 'block-seq' && token.type !== 'flow-collection') continue;
    if (depth > maxDepth) {
      const offset = token.type === 'flow-collection' ? token.start.offset : token.offset;
      throw new LimitExceeded(`collections are nested more than ${maxDepth} levels deep`, offset);
    }
    for (let i = token.items.length - 1; i >= 0; i--) {
      const item = token.items[i] as { key?: CST.Token | null; value?: CST.Token };
      stack.push([item.value, depth + 1]);
      if (item.key) stack.push([item.key, depth + 1]);
    }
  }
}

/**
 * Walks one composed document, without recursion (nesting is what is being bounded):
 * refuses duplicate keys (a Set per mapping: linear), too deep nesting, too long
 * scalars, and counts nodes against the text's budget.
 */
function checkDocument(contents: Node | null, limits: ManifestLimits, counted: { nodes: number }): void {
  const stack: [unknown, number][] = [[contents, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || node === undefined || typeof node !== 'object') continue;
    const start = (node as Node).range?.[0] ?? 0;
    if (isPair(node)) {
      // A pair is not a node of its own; its key and value are (e.g. in !!omap).
      stack.push([node.value, depth], [node.key, depth]);
      continue;
    }
    if (++counted.nodes > limits.maxNodes) {
      throw new LimitExceeded(`the manifest has more than ${limits.maxNodes} YAML nodes (keys, values and collections)`, start);
    }
    if (isScalar(node)) {
      const value = node.value;
      const length = typeof value === 'string' ? value.length : (node.source?.length ?? 0);
      if (length > limits.maxScalarLength) {
        throw new LimitExceeded(`a value is longer than ${limits.maxScalarLength} characters`, start);
      }
      continue;
    }
    if (depth > limits.maxDepth) throw new LimitExceeded(`collections are nested more than ${limits.maxDepth} levels deep`, start);
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = pair.key;
        // Keys are compared as the object properties they become: `yes` and `true` (both
        // true in YAML 1.1), or `1` and `"1"`, would otherwise silently overwrite each other.
        // YAML 1.1 merge keys (`<<`, read as a symbol) may repeat.
        if (isScalar(key) && typeof key.value !== 'symbol') {
          const property = key.value === null || key.value === undefined ? '' : String(key.value);
          if (seen.has(property)) throw new LimitExceeded(`duplicate key ${describeKey(property)} (keys of a mapping must be unique)`, key.range?.[0] ?? start);
          seen.add(property);
        }
      }
      for (let i = node.items.length - 1; i >= 0; i--) {
        const pair = node.items[i];
        stack.push([pair.value, depth + 1], [pair.key, depth + 1]);
      }
    } else if (isSeq(node)) {
      for (let i = node.items.length - 1; i >= 0; i--) stack.push([node.items[i], depth + 1]);
    }
  }
}

/** A `kind: List` (what `kubectl get -o yaml` prints) holds its objects in items. */
function isList(value: Manifest): boolean {
  return value.kind === 'List' && value.apiVersion === 'v1' && Array.isArray(value.items);
}

/**
 * Parses YAML or JSON text holding one or more documents. Empty documents are skipped,
 * and a v1 List is expanded into its items. Throws ManifestParseError (with 1-based line
 * and column) on a syntax error, a duplicate key, a document that is not an object, or
 * a text beyond MANIFEST_LIMITS (naming the limit).
 */
export function parseManifests(text: string, limits: ManifestLimits = MANIFEST_LIMITS): Manifest[] {
  const lines = new LineCounter();
  const at = (offset: number) => {
    const pos = lines.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  const manifests: Manifest[] = [];
  const counted = { nodes: 0 };
  const objectCountError = (index: number, offset: number) => {
    const start = at(offset);
    return new ManifestParseError(`document ${index + 1}: the manifest holds more than ${limits.maxDocuments} documents (List items included)`, start.line, start.column, index);
  };
  const limitError = (err: unknown, docIndex: number): unknown => {
    if (!(err instanceof LimitExceeded)) return err;
    const pos = at(err.offset);
    return new ManifestParseError(`document ${docIndex + 1}: ${err.message}`, pos.line, pos.column, docIndex);
  };
  let index = -1;
  // Documents are composed one at a time, so a text over a limit stops where it crosses it.
  const tokens = checkedTokens(new Parser(lines.addNewLine).parse(text), limits);
  const documents = new Composer(PARSE_OPTIONS).compose(tokens) as Iterator<Document>;
  for (;;) {
    let next: IteratorResult<Document>;
    try {
      next = documents.next();
    } catch (err) {
      if (err instanceof TokenLimitExceeded) throw limitError(err.cause, err.documentIndex);
      throw err;
    }
    if (next.done) break;
    const doc = next.value;
    index++;
    const docStart = doc.range?.[0] ?? 0;
    if (index >= limits.maxDocuments) throw objectCountError(index, doc.contents?.range?.[0] ?? docStart);
    const error = doc.errors[0];
    if (error !== undefined) {
      const pos = at(error.pos[0]);
      const summary = error.message.split('\n')[0];
      throw new ManifestParseError(`document ${index + 1}: ${summary}`, pos.line, pos.column, index);
    }
    try {
      checkDocument(doc.contents, limits, counted);
    } catch (err) {
      throw limitError(err, index);
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      // Alias bombs and similar: the document is well-formed but refuses to expand.
      const start = at(docStart);
      throw new ManifestParseError(`document ${index + 1}: ${(err as Error).message}`, start.line, start.column, index);
    }
    if (value === null || value === undefined) continue;
    if (!isObject(value)) {
      const start = at(doc.contents?.range?.[0] ?? docStart);
      const found = Array.isArray(value) ? 'a list' : `a ${typeof value}`;
      throw new ManifestParseError(
        `document ${index + 1} must be a Kubernetes object (a mapping) but is ${found}`,
        start.line,
        start.column,
        index,
      );
    }
    if (isList(value)) {
      for (const item of value.items as unknown[]) {
        if (isObject(item)) manifests.push(item);
        else {
          const start = at(docStart);
          throw new ManifestParseError(`document ${index + 1}: every item of a List must be an object`, start.line, start.column, index);
        }
        if (manifests.length > limits.maxDocuments) throw objectCountError(index, docStart);
      }
      continue;
    }
    manifests.push(value);
    if (manifests.length > limits.maxDocuments) throw objectCountError(index, docStart);
  }
  return manifests;
}
