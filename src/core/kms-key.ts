// KMS key identifiers as StartStreamEncryption accepts them: a key id (UUID, or mrk-… for a
// multi-Region key), a key ARN, an alias name (alias/…, e.g. the Kinesis-owned alias/aws/kinesis)
// or an alias ARN. Sluice has no KMS: a well-formed identifier is taken to name a usable key.

const KEY_ID = '(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|mrk-[0-9a-fA-F]{32})';
// KMS alias names: alias/ followed by letters, digits, '/', '_' and '-' (256 characters in all).
const ALIAS = 'alias/[a-zA-Z0-9/_-]{1,250}';
const KMS_ARN = 'arn:aws[a-z-]*:kms:[a-z0-9-]+:\\d{12}:';

const KMS_KEY = new RegExp(`^(?:${KEY_ID}|${ALIAS}|${KMS_ARN}key/${KEY_ID}|${KMS_ARN}${ALIAS})$`);

export function isKmsKeyId(keyId: string): boolean {
  return KMS_KEY.test(keyId);
}
