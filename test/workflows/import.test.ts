// The import workflow on the time-skipping server with real activities: staged rows are applied in batches, each row
// wholly in or out, then the imported customers' account workflows start.
import { Readable } from 'node:stream';
import { DEFAULT_INVOICE_POLICY } from '../../src/invoices/rules/invoice-policy.js';
import { stageUpload } from '../../src/imports/store/stage.js';
import { createImportJob, findImportJob, markStaged, rejections } from '../../src/imports/store/jobs.js';
import { workflowIds } from '../../src/temporal/ids.js';
import type { importWorkflow } from '../../workflows/imports/import.js';
import { registerSearchAttributes } from '../support/disputes.js';
import { useWorkflowTestKit } from '../support/workflow-kit.js';

const kit = useWorkflowTestKit('imports');

const CSV = [
  'externalRef,legalName,email,currency,line1,city,postalCode,country,termsCode',
  'C-1,Northwind Traders,ap@northwind.example,EUR,1 Harbour Rd,Hamburg,20095,DE,',
  'C-2,Contoso Ltd,,EUR,2 High St,London,SW1A 1AA,GB,',
  'C-3,Fabrikam Inc,ap@fabrikam.example,EUR,3 Main St,Austin,78701,XX,',
  'C-4,Tailspin Toys,ap@tailspin.example,EUR,4 Park Ave,Paris,75001,FR,NOPE',
  'C-5,Wide World Importers,ap@wwi.example,EUR,5 Quay St,Dublin,D02,IE,',
].join('\n');

it('applies rows in batches, rejects bad ones with line, field and reason, and starts account workflows', async () => {
  await registerSearchAttributes(kit.env);
  const em = kit.real.db.orm.em.fork();
  const job = await createImportJob(em, {
    kind: 'customers',
    format: 'csv',
    options: { lifecycle: true },
    createdBy: 'importer@test',
  });
  await markStaged(em, job.id, await stageUpload(em, job.id, 'csv', Readable.from([CSV])));

  await kit.withWorker(async (taskQueue) => {
    const handle = await kit.env.client.workflow.start<typeof importWorkflow>('importWorkflow', {
      workflowId: workflowIds.import(job.id),
      taskQueue,
      args: [
        {
          importId: job.id,
          kind: 'customers',
          policy: { batchSize: 2, version: 'test' },
          lifecycle: { account: { refreshEvery: 'P1D' }, invoice: DEFAULT_INVOICE_POLICY },
        },
      ],
    });
    const progress = await handle.result();
    expect(progress).toMatchObject({
      batches: 3,
      processed: 5,
      imported: 2,
      rejected: 3,
      skipped: 0,
      lifecyclesStarted: 2,
      phase: 'done',
    });
    await kit.recordHistory(handle, 'import.json');

    const done = await findImportJob(em, job.id);
    expect(done).toMatchObject({
      status: 'completed',
      totalRows: 5,
      processedRows: 5,
      importedRows: 2,
      rejectedRows: 3,
    });
    expect(
      (await rejections(em, job.id, 100)).flatMap((r) => r.problems.map((p) => [r.line, p.field, p.reason])),
    ).toEqual([
      [3, 'email', 'is required'],
      [4, 'country', '"XX" is not an ISO 3166-1 alpha-2 country code'],
      [5, 'termsCode', '"NOPE" is not a payment terms template'],
    ]);
    const customers = await em.execute<{ id: string; external_ref: string }[]>(
      `SELECT id, external_ref FROM customer WHERE external_ref LIKE 'C-%' ORDER BY external_ref`,
    );
    expect(customers.map((c) => c.external_ref)).toEqual(['C-1', 'C-5']);
    for (const c of customers) {
      const description = await kit.env.client.workflow.getHandle(workflowIds.customerAccount(c.id)).describe();
      expect(description.type).toBe('customerAccountWorkflow');
    }
  });
});
