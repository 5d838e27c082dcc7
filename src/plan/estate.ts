/**
 * The estate a rendered stack applies, loaded the way the program loads it, for the parts of
 * the plan that are about the rebuild graph rather than about resources.
 */
import { parseNamespacedSettings, type StackSettings } from "../config/stack";
import { loadStackEstate, type StackEstate as LoadedEstate } from "../model/stack-estate";

export interface StackEstate extends LoadedEstate {
  /** The stack's settings, with the overlay's registry settings merged in. */
  settings: StackSettings;
}

/** `config` is the stack's plain config, namespaced (RenderResult.config). */
export function stackEstate(config: Record<string, string>, opts: { projectDir: string; stack: string }): StackEstate {
  const parsed = parseNamespacedSettings(config, opts);
  const loaded = loadStackEstate(parsed, opts);
  return { ...loaded, settings: { ...parsed, registries: loaded.registries } };
}
