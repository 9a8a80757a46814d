/**
 * One shared copy per distinct string, for values that repeat across many records read back from
 * DynamoDB (policy ids, titles, timestamps, room ARNs and names, messages). Each string parsed
 * separately is its own copy, and 100,000 findings carry a dozen each. The limit bounds the table
 * when values turn out all different; past it, strings pass through unshared.
 */
export class StringInterner {
  private readonly table = new Map<string, string>();

  constructor(private readonly limit: number) {}

  intern(text: string): string {
    const known = this.table.get(text);
    if (known !== undefined) return known;
    if (this.table.size < this.limit) this.table.set(text, text);
    return text;
  }
}
