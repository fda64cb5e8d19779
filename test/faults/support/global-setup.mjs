// Jest loads global set-up outside its module system, so the TypeScript set-up is imported through tsx.
import { tsImport } from 'tsx/esm/api';

export default async function globalSetup() {
  const { startFaultServices } = await tsImport('./global-setup.ts', import.meta.url);
  await startFaultServices();
}
