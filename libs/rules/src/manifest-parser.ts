// Parsing manifest files (YAML or JSON, one or more documents) into plain objects.
//
// YAML 1.1 on purpose: Kubernetes reads manifests with go-yaml's 1.1 rules, so
// `privileged: yes` or `hostPID: on` mean true to the API server. Parsing them as
// YAML 1.2 strings would let exactly those settings slip past the rules.

import { type Document, type Tags, parseAllDocuments } from 'yaml';
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

// go-yaml does not read sexagesimal numbers (`1:20` → 80); keep them strings as Kubernetes does.
const dropSexagesimal = (tags: Tags): Tags =>
  tags.filter((tag) => !(typeof tag === 'object' && 'format' in tag && tag.format === 'TIME'));

const PARSE_OPTIONS = {
  version: '1.1',
  customTags: dropSexagesimal,
  // Duplicate keys are ambiguous (which `privileged:` wins?) and kubectl rejects them too.
  uniqueKeys: true,
  prettyErrors: true,
} as const;

function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/** A `kind: List` (what `kubectl get -o yaml` prints) holds its objects in items. */
function isList(value: Manifest): boolean {
  return value.kind === 'List' && value.apiVersion === 'v1' && Array.isArray(value.items);
}

/**
 * Parses YAML or JSON text holding one or more documents. Empty documents are skipped,
 * and a v1 List is expanded into its items. Throws ManifestParseError (with 1-based line
 * and column) on a syntax error or on a document that is not an object.
 */
export function parseManifests(text: string): Manifest[] {
  const documents = parseAllDocuments(text, PARSE_OPTIONS) as Document[] | { empty: true };
  if (!Array.isArray(documents)) return [];
  const manifests: Manifest[] = [];
  documents.forEach((doc, index) => {
    const error = doc.errors[0];
    if (error !== undefined) {
      const pos = error.linePos?.[0] ?? positionOf(text, error.pos[0]);
      const line = 'line' in pos ? pos.line : 1;
      const column = 'col' in pos ? pos.col : 'column' in pos ? pos.column : 1;
      const summary = error.message.split('\n')[0];
      throw new ManifestParseError(`document ${index + 1}: ${summary}`, line, column, index);
    }
    const docStart = doc.range?.[0] ?? 0;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      // Alias bombs and similar: the document is well-formed but refuses to expand.
      const start = positionOf(text, docStart);
      throw new ManifestParseError(`document ${index + 1}: ${(err as Error).message}`, start.line, start.column, index);
    }
    if (value === null || value === undefined) return;
    if (!isObject(value)) {
      const start = positionOf(text, doc.contents?.range?.[0] ?? docStart);
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
          const start = positionOf(text, docStart);
          throw new ManifestParseError(`document ${index + 1}: every item of a List must be an object`, start.line, start.column, index);
        }
      }
      return;
    }
    manifests.push(value);
  });
  return manifests;
}
