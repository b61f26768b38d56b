// Channel ARNs: arn:aws:kinesis:<region>:<account>:channel/<channel id> (the id, not the name, as in
// the API reference's examples: a channel created again under the same name has a new ARN).

export interface ChannelAddress {
  region: string;
  account: string;
  id: string;
}

export function channelArn(a: ChannelAddress): string {
  return `arn:${partition(a.region)}:kinesis:${a.region}:${a.account}:channel/${a.id}`;
}

export function parseChannelArn(arn: string): ChannelAddress | undefined {
  const m = /^arn:aws[a-z-]*:kinesis:([^:]+):(\d{12}):channel\/([^\s/]{1,64})$/.exec(arn);
  if (!m) return undefined;
  return { region: m[1]!, account: m[2]!, id: m[3]! };
}

function partition(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}
