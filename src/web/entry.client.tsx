/**
 * Browser entry. Before hydrating, it waits for the page's message bundles,
 * which the server announced as preloads (so they were already on their way
 * with the scripts): hydration must render the same texts as the server.
 */
import { startTransition, StrictMode } from 'react';
import { hydrateRoot } from 'react-dom/client';
import { HydratedRouter } from 'react-router/dom';
import { hydrationMessageRefs } from './lib/hydration-messages';
import { loadMessages } from './lib/message-store';

async function hydrate() {
  try {
    await Promise.all(hydrationMessageRefs().map(loadMessages));
  } catch (error) {
    // The page is already readable; hydrate anyway (texts may show as keys)
    // rather than leave it without any interactivity.
    console.error(error);
  }
  startTransition(() => {
    hydrateRoot(
      document,
      <StrictMode>
        <HydratedRouter />
      </StrictMode>,
    );
  });
}

void hydrate();
