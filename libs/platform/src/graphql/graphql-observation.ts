import { Kind, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

/**
 * What one GraphQL request did, gathered while Mercurius handles it and read when
 * the response is sent: by the access log (operation name, root fields, error codes)
 * and by the metrics (root fields and error codes only — never the operation name,
 * which the client chooses freely and would make the label set unbounded).
 */
export interface GraphQLObservation {
  /** The client's name for the operation, cut to a sane length (logs only). */
  operationName?: string;
  operationType?: OperationDefinitionNode['operation'];
  /** Schema field names selected at the root (aliases resolved), in document order, without repeats. */
  rootFields: string[];
  /** `extensions.code` of every error the response carries. */
  errorCodes: string[];
}

const OBSERVATION = Symbol('rampart.graphqlObservation');
const MAX_OPERATION_NAME = 100;

type Observed = { [OBSERVATION]?: GraphQLObservation };

/** The observation of a request (the Fastify request), created on first use. */
export function graphqlObservationOf(request: object): GraphQLObservation {
  const holder = request as Observed;
  holder[OBSERVATION] ??= { rootFields: [], errorCodes: [] };
  return holder[OBSERVATION];
}

/** The observation if the request went through GraphQL at all. */
export function existingGraphQLObservation(request: object): GraphQLObservation | undefined {
  return (request as Observed)[OBSERVATION];
}

/** The operation that runs: the named one, or the only one. */
function operationOf(document: DocumentNode, operationName: string | undefined): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operationName) return operations.find((o) => o.name?.value === operationName);
  return operations.length === 1 ? operations[0] : undefined;
}

/** Field names at the root of an operation, through inline fragments and fragment spreads. */
export function rootFieldsOf(document: DocumentNode, operationName?: string): { operation?: OperationDefinitionNode; fields: string[] } {
  const operation = operationOf(document, operationName);
  if (!operation) return { fields: [] };
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const fields = new Set<string>();
  const seen = new Set<string>();
  const walk = (selectionSet: SelectionSetNode): void => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) fields.add(selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) walk(fragment.selectionSet);
      }
    }
  };
  walk(operation.selectionSet);
  return { operation, fields: [...fields] };
}

/**
 * Records the operation about to execute. Runs as a Mercurius `preExecution` hook,
 * so the document has passed validation: every root field is a field of the schema.
 */
export function observeExecution(document: DocumentNode, request: object & { body?: unknown }): void {
  const body = request.body as { operationName?: unknown } | undefined;
  const requested = typeof body?.operationName === 'string' && body.operationName !== '' ? body.operationName : undefined;
  const { operation, fields } = rootFieldsOf(document, requested);
  const observation = graphqlObservationOf(request);
  const name = operation?.name?.value ?? requested;
  if (name) observation.operationName = name.slice(0, MAX_OPERATION_NAME);
  observation.operationType = operation?.operation;
  observation.rootFields = fields;
}
