// node:test reporter used by run-tests.mjs: writes one JSON line per skipped test or suite (file, name, reason).

/** Turns the runner's events into `{"file","name","reason"}` lines, one per skip. */
export default async function* skipReporter(source) {
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { skip, file, name } = event.data;
    if (skip === undefined || skip === false) continue;
    yield `${JSON.stringify({ file: file ?? '', name, reason: skip === true ? '' : String(skip) })}\n`;
  }
}
