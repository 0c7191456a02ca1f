/**
 * The daemon's local data across runs: read once at start (its count is what
 * the hello announces), read again only when a task's run reads it differently
 * (another preprocessing, image size, or a regression loss), then fitted to each
 * task's model and checked against it. Only the latest read is held.
 */
import type { Logger } from '../../common/logger';
import type { TrainTask } from '../../common/types';
import type { LocalDataset } from '../trainer/dataset';
import { checkData, lossOf } from '../trainer/data/check-data';
import { fitToModel, readKey } from '../trainer/data/open-data';
import { loadLocalData, localReadOptions, type LocalDataOptions, type ModelReadOptions } from '../trainer/local-data';

/** Reads the client's data for a run (the default reads the files; tests pass a fake). */
export type LocalDataReader = (options: LocalDataOptions, model: ModelReadOptions) => Promise<LocalDataset>;

/** This client's data, per run. */
export class TaskData {
  private read?: { key: string; data: Promise<LocalDataset> };
  private fitted?: { key: string; data: LocalDataset };

  constructor(
    private readonly options: LocalDataOptions,
    private readonly logger: Logger,
    private readonly reader: LocalDataReader = loadLocalData,
  ) {}

  /** Reads the data as no run has asked yet (readers' defaults); rejects when it cannot be read. */
  start(): Promise<LocalDataset> {
    return this.readFor({});
  }

  /**
   * The data fitted to `task`'s model: rejects with DataMismatchError when it
   * does not fit, with InvalidArgumentError when the run's preprocessing cannot read it.
   */
  async forTask(task: TrainTask): Promise<LocalDataset> {
    const spec = task.model;
    const loss = lossOf(spec);
    const model: ModelReadOptions = { preprocessing: spec.preprocessing, inputShape: spec.inputShape, loss };
    const key = JSON.stringify([readKey(this.options.data, localReadOptions(this.options, model)), spec.inputShape, loss, spec.numClasses]);
    if (this.fitted?.key !== key) {
      const raw = await this.readFor(model);
      this.fitted = { key, data: fitToModel(raw, { inputShape: spec.inputShape, loss, numClasses: spec.numClasses }) };
    }
    checkData(this.fitted.data, spec, `the model of run ${task.runId}`);
    return this.fitted.data;
  }

  private readFor(model: ModelReadOptions): Promise<LocalDataset> {
    const key = readKey(this.options.data, localReadOptions(this.options, model));
    if (this.read?.key !== key) {
      if (this.read) this.logger.info({ data: this.options.data }, 'the run reads local data differently: reading it again');
      // Dropped first: the old examples are garbage before the new ones are read.
      this.fitted = undefined;
      const data = this.reader(this.options, model);
      const entry = { key, data };
      this.read = entry;
      // A failed read is forgotten, so the next task tries again (the files may have been fixed).
      data.catch(() => {
        if (this.read === entry) this.read = undefined;
      });
    }
    return this.read.data;
  }
}
