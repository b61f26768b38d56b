// PutResourcePolicy, GetResourcePolicy, DeleteResourcePolicy: an IAM policy document attached to a
// stream or a consumer by its ARN, kept as given and dropped with the stream (or the consumer). Sluice checks the
// document's form (the IAM grammar's required elements) but evaluates no permissions.
import { invalidArgument } from '../core/errors.js';
import type { Operation } from './context.js';
import { findResource } from './resource-target.js';

/** What GetResourcePolicy answers for a resource without a policy. */
export const NO_POLICY = '{}';

const POLICY_VERSIONS = ['2012-10-17', '2008-10-17'];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Refuses a document that is not an IAM policy in form, with InvalidArgumentException. */
export function checkPolicyDocument(text: string): void {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw invalidArgument('Policy document is not valid JSON.');
  }
  if (!isObject(document)) throw invalidArgument('Policy document must be a JSON object.');
  if (document.Version !== undefined && !POLICY_VERSIONS.includes(document.Version as string)) {
    throw invalidArgument(`Policy document Version must be one of [${POLICY_VERSIONS.join(', ')}].`);
  }
  const statement = document.Statement;
  const statements = Array.isArray(statement) ? statement : statement === undefined ? [] : [statement];
  if (statements.length === 0) throw invalidArgument('Policy document must contain at least one Statement.');
  for (const s of statements) {
    if (!isObject(s)) throw invalidArgument('Each Statement of a policy document must be a JSON object.');
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw invalidArgument('Policy statement Effect must be Allow or Deny.');
    // A resource-based policy says whom it grants to: the IAM grammar requires a principal here.
    if (s.Principal === undefined && s.NotPrincipal === undefined) throw invalidArgument('Policy statement must contain a Principal.');
    if (s.Action === undefined && s.NotAction === undefined) throw invalidArgument('Policy statement must contain an Action.');
    if (s.Resource === undefined && s.NotResource === undefined) throw invalidArgument('Policy statement must contain a Resource.');
  }
}

export const putResourcePolicy: Operation = async (input: { ResourceARN: string; Policy: string }, ctx) => {
  const resource = await findResource(input.ResourceARN, ctx);
  checkPolicyDocument(input.Policy);
  await ctx.store.putPolicy(resource.stream.uid, resource.arn, input.Policy);
  return undefined;
};

export const getResourcePolicy: Operation = async (input: { ResourceARN: string }, ctx) => {
  const resource = await findResource(input.ResourceARN, ctx);
  return { Policy: (await ctx.store.getPolicy(resource.arn)) ?? NO_POLICY };
};

// Deleting where no policy is attached succeeds, as GetResourcePolicy treats "none" as an empty
// policy rather than a missing resource.
export const deleteResourcePolicy: Operation = async (input: { ResourceARN: string }, ctx) => {
  const resource = await findResource(input.ResourceARN, ctx);
  await ctx.store.deletePolicy(resource.arn);
  return undefined;
};
