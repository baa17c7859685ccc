/**
 * Builds a DynamoDB update and its condition with a placeholder for every attribute name and value, so no
 * reserved word (`state`, `source`, `status`, …) can break an expression and no value is spliced into one.
 */
export class UpdateExpression {
  private readonly names = new Map<string, string>();
  private readonly values = new Map<string, unknown>();
  private readonly sets: string[] = [];
  private readonly removes: string[] = [];
  private readonly adds: string[] = [];
  private readonly conditions: string[] = [];

  /** `#n3` for `status`; a dotted path becomes `#n3.#n4` (map keys are names too). */
  name(path: string): string {
    return path
      .split('.')
      .map((part) => {
        let placeholder = this.names.get(part);
        if (!placeholder) {
          placeholder = `#n${this.names.size}`;
          this.names.set(part, placeholder);
        }
        return placeholder;
      })
      .join('.');
  }

  value(value: unknown): string {
    const placeholder = `:v${this.values.size}`;
    this.values.set(placeholder, value);
    return placeholder;
  }

  /** SET path = value, for each entry whose value is not undefined. */
  set(fields: Record<string, unknown>): this {
    for (const [path, value] of Object.entries(fields)) {
      if (value !== undefined) this.sets.push(`${this.name(path)} = ${this.value(value)}`);
    }
    return this;
  }

  /** SET path = <expression>, the expression built with `name` and `value`. */
  setTo(path: string, expression: (update: this) => string): this {
    this.sets.push(`${this.name(path)} = ${expression(this)}`);
    return this;
  }

  /** ADD a number to a number, or the members of a set to a set. */
  add(path: string, amount: number | Set<string>): this {
    this.adds.push(`${this.name(path)} ${this.value(amount)}`);
    return this;
  }

  remove(...paths: string[]): this {
    for (const path of paths) this.removes.push(this.name(path));
    return this;
  }

  /** One condition, ANDed with the others; build it with `name` and `value`. */
  when(condition: (update: this) => string): this {
    this.conditions.push(`(${condition(this)})`);
    return this;
  }

  build(): {
    UpdateExpression: string;
    ConditionExpression?: string;
    ExpressionAttributeNames: Record<string, string>;
    ExpressionAttributeValues?: Record<string, unknown>;
  } {
    const clauses = [
      this.sets.length > 0 ? `SET ${this.sets.join(', ')}` : '',
      this.adds.length > 0 ? `ADD ${this.adds.join(', ')}` : '',
      this.removes.length > 0 ? `REMOVE ${this.removes.join(', ')}` : '',
    ].filter(Boolean);
    return {
      UpdateExpression: clauses.join(' '),
      ...(this.conditions.length > 0 ? { ConditionExpression: this.conditions.join(' AND ') } : {}),
      ExpressionAttributeNames: Object.fromEntries([...this.names].map(([name, key]) => [key, name])),
      ...(this.values.size > 0 ? { ExpressionAttributeValues: Object.fromEntries(this.values) } : {}),
    };
  }
}
