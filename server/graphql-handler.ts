// POST /graphql of the local server, answered as AppSync does: the request body parsed and logged
// (variables, root fields, operation name), faults, the raw API key, then graphql-js validation and
// execution, with the service's errors carrying an `errorType`.

import {
  execute,
  getOperationAST,
  GraphQLError,
  Kind,
  NoSchemaIntrospectionCustomRule,
  specifiedRules,
  parse,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type SelectionSetNode
} from 'graphql'
import { graphqlJavaWording, validationAnswer, withPartialFailure } from './appsync-answers.js'
import { readBody, type Exchange } from './exchange.js'
import type { FaultApplier, FaultPlan } from './faults.js'
import { ServiceError } from './training-types.js'

export interface GraphqlHandlerContext {
  readonly schema: GraphQLSchema
  readonly apiKey: string
  /** answer schema introspection; false as services that hide their schema */
  readonly introspection: boolean
  /** validation messages in graphql-js's words, or in graphql-java's as AppSync answers */
  readonly validationWording: 'graphql-js' | 'graphql-java'
  readonly faults: FaultPlan
  readonly applyFault: FaultApplier
}

const GRAPHQL_BODY_LIMIT = 1024 * 1024

const UNAUTHORIZED_BODY = {
  errors: [{ errorType: 'UnauthorizedException', message: 'You are not authorized to make this call.' }]
}

export async function handleGraphql(context: GraphqlHandlerContext, exchange: Exchange): Promise<void> {
  const { req, entry } = exchange
  const request = parseGraphqlRequest(await readBody(req, GRAPHQL_BODY_LIMIT))
  if (request.variables !== undefined) entry.variables = request.variables
  if (request.document) entry.operations = rootFieldNames(request.document, request.operationName)
  const operationName = request.operationName ?? (request.document && getOperationAST(request.document)?.name?.value)
  if (operationName !== undefined) entry.operationName = operationName
  if (context.applyFault(exchange, context.faults.take(entry.operations), 'graphql')) return

  entry.authorized = req.headers.authorization === context.apiKey
  if (!entry.authorized) {
    entry.errors = ['unauthorized']
    return exchange.sendJson(401, UNAUTHORIZED_BODY, { 'x-amzn-ErrorType': 'UnauthorizedException' })
  }
  if (request.error !== undefined || !request.document) {
    const message = request.error ?? 'no GraphQL document'
    entry.errors = [message]
    return exchange.sendJson(
      400,
      { errors: [{ errorType: 'MalformedHttpRequestException', message }] },
      { 'x-amzn-ErrorType': 'MalformedHttpRequestException' }
    )
  }
  const rules = context.introspection ? specifiedRules : [...specifiedRules, NoSchemaIntrospectionCustomRule]
  const validationErrors = validate(context.schema, request.document, rules)
  if (validationErrors.length > 0) {
    entry.errors = validationErrors.map((error) => error.message)
    if (context.validationWording === 'graphql-java') {
      entry.errors = entry.errors.map(graphqlJavaWording)
      return exchange.sendJson(200, validationAnswer(entry.errors))
    }
    return exchange.sendJson(200, { data: null, errors: validationErrors.map(formatError) })
  }
  const result = await execute({
    schema: context.schema,
    document: request.document,
    variableValues: request.variables as Record<string, unknown> | undefined,
    operationName: request.operationName
  })
  let body: { data?: unknown; errors?: unknown[] } = {}
  if ('data' in result) body.data = result.data
  if (result.errors) {
    entry.errors = result.errors.map((error) => error.message)
    body.errors = result.errors.map(formatError)
  }
  const partial = exchange.partialFailure
  if (partial) {
    const errorType = partial.errorType ?? 'Lambda:Unhandled'
    const message = partial.message ?? `${errorType} at ${partial.path.join('.')}`
    body = withPartialFailure(body, partial.path, errorType, message)
  }
  exchange.sendJson(200, body)
}

interface GraphqlRequest {
  readonly document?: DocumentNode
  readonly variables?: unknown
  readonly operationName?: string
  /** why the body cannot be executed */
  readonly error?: string
}

// Messages follow AppSync where it has one (an empty body), else say what is wrong.
function parseGraphqlRequest(raw: Buffer): GraphqlRequest {
  if (raw.length === 0) return { error: 'Request body is empty.' }
  let body: unknown
  try {
    body = JSON.parse(raw.toString('utf8'))
  } catch {
    return { error: 'request body is not JSON' }
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { error: 'request body must be a JSON object' }
  const { query, variables, operationName } = body as Record<string, unknown>
  const named = typeof operationName === 'string' ? { operationName } : {}
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) {
    return { ...named, error: 'variables must be a JSON object' }
  }
  const withVariables = variables === undefined || variables === null ? named : { ...named, variables }
  if (typeof query !== 'string') return { ...withVariables, error: 'query must be a string' }
  try {
    return { ...withVariables, document: parse(query) }
  } catch (error) {
    return { ...withVariables, error: (error as GraphQLError).message }
  }
}

/** Root field names (not aliases) of the operation that would run, through fragments. */
function rootFieldNames(document: DocumentNode, operationName?: string): string[] {
  const operation = getOperationAST(document, operationName)
  const operations = operation
    ? [operation]
    : document.definitions.filter((node) => node.kind === Kind.OPERATION_DEFINITION)
  const fragments = new Map(
    document.definitions.flatMap((node) =>
      node.kind === Kind.FRAGMENT_DEFINITION ? [[node.name.value, node] as const] : []
    )
  )
  const names = new Set<string>()
  const visit = (selectionSet: SelectionSetNode, seen: Set<string>): void => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) names.add(selection.name.value)
      else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet, seen)
      else if (!seen.has(selection.name.value)) {
        const fragment = fragments.get(selection.name.value)
        if (fragment) visit(fragment.selectionSet, new Set([...seen, selection.name.value]))
      }
    }
  }
  for (const node of operations) if (node.kind === Kind.OPERATION_DEFINITION) visit(node.selectionSet, new Set())
  return [...names]
}

/** A GraphQL error as AppSync shapes it: graphql-js's fields plus `errorType` when the service set one. */
function formatError(error: GraphQLError): Record<string, unknown> {
  const formatted: Record<string, unknown> = { ...error.toJSON() }
  if (error.originalError instanceof ServiceError) formatted.errorType = error.originalError.errorType
  return formatted
}
