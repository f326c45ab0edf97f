/**
 * An SOP audit as a PDF for the subgroup's papers: the run's facts, each criterion against its standard
 * (a table, and the same figures as the SVG chart the page shows, drawn into the PDF with svg-to-pdfkit),
 * each criterion's months, and how many records were not met (their references are in the CSV). A frozen
 * run prints its SHA-256 so a printed copy can be matched with Beacon's record.
 */
import PDFDocument from 'pdfkit';
import SVGtoPDF from 'svg-to-pdfkit';
import { barChartSvg } from '../platform/charts/svg';
import { formatDate, londonDate } from '../platform/dates';
import { RAG_LABELS } from './audit-rules';
import type { RunView } from './audits';

const INK = '#212b32';
const GREY = '#4c6272';
const RAG_COLOURS = { green: '#007f3b', amber: '#ffb81c', red: '#d5281b', none: '#768692' };
const pct = (t: { pct: number | null } | null) => (t && t.pct !== null ? `${t.pct}%` : '–');

/** The same figures as the page's chart: baseline and period percentage of each criterion. */
export function reportChart(view: RunView) {
  return barChartSvg(
    view.report.criteria.flatMap((c) => [
      ...(c.figures.baseline?.pct != null ? [{ label: c.title, value: c.figures.baseline.pct, series: 'Baseline' }] : []),
      ...(c.figures.period.pct != null ? [{ label: c.title, value: c.figures.period.pct, series: 'Audit period' }] : []),
    ]),
    {
      title: 'Each criterion, baseline and audit period',
      description: 'Bar chart of the percentage meeting each criterion in the baseline and the audit period. The same figures are in the table.',
      domain: [0, 100],
      xTitle: 'Percentage meeting the criterion',
    },
  );
}

export async function auditPdf(view: RunView): Promise<Buffer> {
  const { run, report } = view;
  const pdf = new PDFDocument({ size: 'A4', margin: 48, info: { Title: report.title, Author: report.partnership.name } });
  const chunks: Buffer[] = [];
  pdf.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve) => pdf.on('end', () => resolve()));
  const width = pdf.page.width - 96;

  pdf.font('Helvetica').fontSize(10).fillColor(GREY).text(`${report.partnership.name} · SOP embeddedness audit`);
  pdf.moveDown(0.4).font('Helvetica-Bold').fontSize(18).fillColor(INK).text(report.title);
  const facts = [
    `Audit period ${formatDate(report.period.from)} to ${formatDate(report.period.to)}`,
    report.period.baselineFrom ? `baseline ${formatDate(report.period.baselineFrom)} to ${formatDate(report.period.baselineTo!)}` : 'no baseline',
    report.criteriaVersion ? `criteria version ${report.criteriaVersion}` : "Beacon's default criteria",
    report.document ? `${report.document.title}, version ${report.document.version}` : 'no document published in the library',
  ];
  pdf.moveDown(0.3).font('Helvetica').fontSize(10).fillColor(GREY).text(facts.join(' · '));
  pdf
    .moveDown(0.3)
    .text(
      run.status === 'frozen'
        ? `Signed off by ${run.frozenByName} on ${formatDate(londonDate(run.frozenAt!))}: ${run.signOffNote ?? ''}. SHA-256 ${run.snapshotHash}${view.verified ? ' (verified)' : ' (DOES NOT MATCH: the stored figures have changed)'}.`
        : `Draft: computed from the records on ${formatDate(londonDate(new Date(report.computedAt)))}. Not signed off; the figures will change as the records do.`,
    );
  pdf
    .moveDown(0.6)
    .fillColor(INK)
    .fontSize(11)
    .text(`${report.rag.green} green, ${report.rag.amber} amber, ${report.rag.red} red${report.rag.none ? `, ${report.rag.none} with no records` : ''}.`);

  // The table: criterion, standard, baseline, period (met of total), RAG.
  const cols = [width * 0.38, width * 0.2, width * 0.1, width * 0.2, width * 0.12];
  const row = (cells: string[], opts: { bold?: boolean; rag?: keyof typeof RAG_COLOURS } = {}) => {
    const y = pdf.y + 4;
    const heights = cells.map((c, i) =>
      pdf
        .font(opts.bold ? 'Helvetica-Bold' : 'Helvetica')
        .fontSize(9)
        .heightOfString(c, { width: cols[i]! - 6 }),
    );
    const h = Math.max(...heights) + 6;
    if (y + h > pdf.page.height - 60) pdf.addPage();
    const top = pdf.y + 4;
    let x = 48;
    cells.forEach((c, i) => {
      if (i === cells.length - 1 && opts.rag) {
        pdf.rect(x, top - 1, cols[i]! - 6, h - 4).fill(RAG_COLOURS[opts.rag]);
        pdf.fillColor(opts.rag === 'amber' ? INK : '#ffffff');
      } else pdf.fillColor(INK);
      pdf
        .font(opts.bold ? 'Helvetica-Bold' : 'Helvetica')
        .fontSize(9)
        .text(c, x + 2, top + 2, { width: cols[i]! - 6 });
      x += cols[i]!;
    });
    pdf.x = 48;
    pdf.y = top + h;
    pdf
      .moveTo(48, pdf.y)
      .lineTo(48 + width, pdf.y)
      .lineWidth(0.5)
      .strokeColor('#d8dde0')
      .stroke();
  };
  pdf.moveDown(0.6);
  row(['Criterion', 'Standard', 'Baseline', 'Audit period', 'RAG'], { bold: true });
  for (const c of report.criteria)
    row(
      [
        c.title,
        c.standard,
        pct(c.figures.baseline),
        `${pct(c.figures.period)} (${c.figures.period.met} of ${c.figures.period.total})`,
        RAG_LABELS[c.figures.rag],
      ],
      {
        rag: c.figures.rag,
      },
    );

  // The chart, as on the page.
  pdf.addPage();
  pdf.font('Helvetica-Bold').fontSize(13).fillColor(INK).text('Each criterion, baseline and audit period');
  SVGtoPDF(pdf, await reportChart(view), 48, pdf.y + 10, { width, preserveAspectRatio: 'xMinYMin meet' });

  // Each criterion: what it counts, its months, and how many records were not met.
  for (const c of report.criteria) {
    pdf.addPage();
    pdf.font('Helvetica-Bold').fontSize(13).fillColor(INK).text(c.title);
    pdf.moveDown(0.2).font('Helvetica').fontSize(9).fillColor(GREY).text(c.explanation);
    pdf
      .moveDown(0.4)
      .fillColor(INK)
      .fontSize(10)
      .text(
        `Standard ${c.standard}. Audit period ${pct(c.figures.period)} (${c.figures.period.met} of ${c.figures.period.total}), ${RAG_LABELS[c.figures.rag]}${c.figures.baseline ? `; baseline ${pct(c.figures.baseline)} (${c.figures.baseline.met} of ${c.figures.baseline.total})` : ''}. ${c.figures.failing.length} ${c.figures.failing.length === 1 ? c.recordNoun : c.recordPlural} not met (listed in the CSV and on the criterion's page).`,
      );
    pdf.moveDown(0.4);
    row(['Month', 'Part of', 'Met', 'Records', 'Percentage'], { bold: true });
    for (const m of c.figures.byMonth) row([m.label, m.inBaseline ? 'Baseline' : 'Audit period', String(m.met), String(m.total), pct(m)]);
  }
  pdf.end();
  await done;
  return Buffer.concat(chunks);
}
