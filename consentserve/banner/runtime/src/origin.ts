// The banner runs only on the customer's own domains; anywhere else it does nothing at all,
// so a copied snippet cannot collect consent in the customer's name.
export function hostAllowed(host: string, domains: string[]): boolean {
  host = host.toLowerCase().replace(/\.$/, "");
  return domains.some((d) => {
    d = d.toLowerCase();
    if (d.slice(0, 2) === "*.") {
      const base = d.slice(1);
      // "*.x" means any subdomain of x, but not x itself.
      return host.length > base.length && host.slice(-base.length) === base;
    }
    return host === d;
  });
}
