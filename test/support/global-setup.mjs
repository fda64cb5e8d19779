// Jest loads global set-up outside its module system, so the TypeScript services are imported through tsx.
import { tsImport } from 'tsx/esm/api';

export default async function globalSetup() {
  const { startTestServices } = await tsImport('./services.ts', import.meta.url);
  await startTestServices();
}
