import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../common/errors';
import { statusFor } from '../../common/grpc-status';
import { DEFAULT_OBJECTIVE, type Objective } from '../../common/model-definition';
import { validateTopology } from '../../services/coordinator/model/validate-topology';
import { FUNCTIONAL_TOPOLOGY, KERAS_CONVERTER_MODEL_JSON, denseTopology } from '../helpers/user-models';

const objective = (loss: Objective['loss'], metrics: Objective['metrics'] = []): Objective => ({ loss, metrics, optimizer: { name: 'adam' } });

/** Expects `validateTopology` to refuse with INVALID_ARGUMENT and a message matching `reason`. */
async function expectRefused(run: () => Promise<unknown>, reason: RegExp): Promise<void> {
  let caught: unknown;
  try {
    await run();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(InvalidArgumentError);
  expect((caught as Error).message).toMatch(reason);
  expect(statusFor(caught)).toBe(status.INVALID_ARGUMENT);
}

describe('validate topology', async () => {
  it('validate topology - a hand-written topology for 10-class classification is accepted and described', async () => {
    const topology = denseTopology(784, [
      { units: 32, activation: 'relu' },
      { units: 10, activation: 'softmax' },
    ]);
    const d = await validateTopology(topology, DEFAULT_OBJECTIVE);
    expect(d.inputShape).toEqual([784]);
    expect(d.outputShape).toEqual([10]);
    expect(d.parameterCount).toBe(784 * 32 + 32 + 32 * 10 + 10);
  });

  it('validate topology - a Keras model.json from tensorflowjs_converter is accepted for binary cross-entropy', async () => {
    const d = await validateTopology(KERAS_CONVERTER_MODEL_JSON, objective('binary-crossentropy', ['accuracy']));
    expect(d.inputShape).toEqual([30]);
    expect(d.outputShape).toEqual([1]);
    expect(d.tensors.map((t) => t.name)).toEqual(['dense/kernel', 'dense/bias', 'dense_1/kernel', 'dense_1/bias']);
  });

  it('validate topology - a functional model and any regression output are accepted', async () => {
    expect((await validateTopology(FUNCTIONAL_TOPOLOGY, objective('categorical-crossentropy'))).outputShape).toEqual([3]);
    const regression = denseTopology(4, [{ units: 3, activation: 'linear' }]);
    expect((await validateTopology(regression, objective('mse', ['mae']))).outputShape).toEqual([3]);
    expect((await validateTopology(regression, objective('mae'))).outputShape).toEqual([3]);
  });

  it('validate topology - JSON that does not parse is refused', async () => {
    await expectRefused(() => validateTopology('{"class_name": "Sequential"'), /not valid JSON/);
  });

  it('validate topology - an unknown layer class is refused, naming the layer and the class', async () => {
    const lambda = JSON.stringify({
      class_name: 'Sequential',
      config: { layers: [{ class_name: 'InputLayer', config: { batch_input_shape: [null, 4], name: 'in' } }, { class_name: 'Lambda', config: { name: 'scale', function: ['4wEAAAAAAAAA'] } }] },
    });
    await expectRefused(() => validateTopology(lambda), /layer "scale" has class "Lambda", which fedlink does not build/);
  });

  it('validate topology - a model without an input shape is refused', async () => {
    const noInput = JSON.stringify({ class_name: 'Sequential', config: { layers: [{ class_name: 'Dense', config: { name: 'd', units: 10, activation: 'softmax' } }] } });
    await expectRefused(() => validateTopology(noInput), /declares no input shape/);
  });

  it('validate topology - too many parameters or too many bytes of JSON are refused before anything is built', async () => {
    const big = denseTopology(784, [{ units: 100_000, activation: 'softmax' }]); // 78.5 million parameters
    await expectRefused(() => validateTopology(big), /more than 50,000,000 parameters/);
    const small = denseTopology(4, [{ units: 2, activation: 'softmax' }]);
    await expectRefused(() => validateTopology(small, DEFAULT_OBJECTIVE, { maxParameters: 9 }), /more than 9 parameters/);
    expect((await validateTopology(small, DEFAULT_OBJECTIVE, { maxParameters: 10 })).parameterCount).toBe(10);
    await expectRefused(() => validateTopology(small, DEFAULT_OBJECTIVE, { maxBytes: 100 }), /bytes of JSON, more than the limit of 100/);
    await expectRefused(() => validateTopology(' '.repeat(1024 * 1024 + 1)), /more than the limit of 1048576/);
  });

  it('validate topology - an output that does not suit the loss is refused, naming both', async () => {
    const one = denseTopology(4, [{ units: 1, activation: 'sigmoid' }]);
    const twoSoftmax = denseTopology(4, [{ units: 2, activation: 'softmax' }]);
    const logits = denseTopology(4, [{ units: 10, activation: 'linear' }]);
    await expectRefused(() => validateTopology(one, objective('sparse-categorical-crossentropy')), /needs an output of k ≥ 2 class probabilities.*outputs \[1\]/);
    await expectRefused(() => validateTopology(twoSoftmax, objective('binary-crossentropy')), /output layer has activation "softmax": end the model with sigmoid/);
    await expectRefused(() => validateTopology(logits, objective('categorical-crossentropy')), /activation "linear": end the model with softmax/);
    await expectRefused(() => validateTopology(one, objective('mse', ['accuracy'])), /accuracy is a classification metric/);
    await expectRefused(() => validateTopology(one, objective('hinge' as Objective['loss'])), /unknown loss "hinge"/);
    await expectRefused(() => validateTopology(one, { ...objective('mse'), optimizer: { name: 'rmsprop' as 'sgd' } }), /unknown optimizer "rmsprop"/);
  });
});
