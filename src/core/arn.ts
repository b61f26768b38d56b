// Stream ARNs: arn:aws:kinesis:<region>:<account>:stream/<name>.

export interface StreamAddress {
  region: string;
  account: string;
  name: string;
}

export function streamArn(a: StreamAddress): string {
  return `arn:${partition(a.region)}:kinesis:${a.region}:${a.account}:stream/${a.name}`;
}

export function parseStreamArn(arn: string): StreamAddress | undefined {
  const m = /^arn:aws[a-z-]*:kinesis:([^:]*):(\d{12}):stream\/([a-zA-Z0-9_.-]{1,128})$/.exec(arn);
  if (!m) return undefined;
  return { region: m[1]!, account: m[2]!, name: m[3]! };
}

function partition(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}
