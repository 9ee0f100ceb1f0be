/** `given_name` -> `given name`: a contract's name as people read it (the name itself stays in the API). */
export function label(name: string): string {
  return name.replace(/_/g, ' ');
}
