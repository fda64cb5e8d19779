import { tsImport } from 'tsx/esm/api';

export default async function globalTeardown() {
  const { stopFaultServices } = await tsImport('./global-setup.ts', import.meta.url);
  await stopFaultServices();
}
