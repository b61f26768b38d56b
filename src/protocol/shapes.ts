// Types of the compact API model that scripts/gen-model.mjs derives from the Smithy model.

export interface Constraints {
  minLength?: number;
  maxLength?: number;
  min?: number;
  max?: number;
  pattern?: string;
}

export interface MemberDef extends Constraints {
  target: string;
  required?: boolean;
}

export type ShapeDef =
  | { type: 'structure' | 'union'; members: Record<string, MemberDef>; error?: string; status?: number; streaming?: boolean }
  | ({ type: 'list'; member: string } & Constraints)
  | ({ type: 'map'; key: string; value: string } & Constraints)
  | { type: 'enum'; values: string[] }
  | ({ type: 'string' | 'integer' | 'long' | 'boolean' | 'blob' | 'timestamp' | 'double' } & Constraints);

export interface OperationDef {
  input: string | null;
  output: string | null;
  errors: string[];
}

export interface ApiModel {
  operations: Record<string, OperationDef>;
  shapes: Record<string, ShapeDef>;
}
