// The published configuration as the backend delivers it (contract version 1).
export type Localised = Record<string, string>;

export interface Category {
  id: string;
  required?: boolean;
  default?: boolean;
  label: Localised;
  description?: Localised;
}

export interface StorageItem {
  name: string;
  pattern?: boolean;
  lifetime?: Localised;
}

export interface Service {
  id: string;
  category: string;
  name: string;
  // {de, en} from the catalog (the country's name differs), a string when the customer gave it.
  provider?: Localised | string;
  purpose?: Localised;
  privacy_url?: string;
  cookies?: StorageItem[];
  storage?: StorageItem[];
  consent_mode?: string[];
  transfer?: Localised;
}

export interface Theme {
  background?: string;
  text?: string;
  accent?: string;
  accent_text?: string;
  radius?: number;
  position?: string;
}

export interface Config {
  v: number;
  key: string;
  version: number;
  sha256: string;
  domains: string[];
  languages: string[];
  default_language: string;
  lifetime_days: number;
  options: { gpc?: boolean; reopen_button?: boolean; consent_mode?: boolean };
  theme: Theme;
  categories: Category[];
  services: Service[];
  texts: Record<string, Record<string, string>>;
  consent_endpoint: string;
  // Set only by the portal's live preview: nothing is stored, recorded or activated.
  preview?: boolean;
  // With preview, 2 opens the second layer instead of the first.
  preview_layer?: number;
}

export function readConfig(): Config | null {
  const c = (window as unknown as { __CONSENTSERVE_CONFIG__?: Config }).__CONSENTSERVE_CONFIG__;
  return c && c.v === 1 && Array.isArray(c.categories) && Array.isArray(c.domains) ? c : null;
}
