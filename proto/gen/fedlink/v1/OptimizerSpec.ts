// Original file: proto/fedlink/v1/common.proto


export interface OptimizerSpec {
  'name'?: (string);
  'momentum'?: (number | string);
  'beta1'?: (number | string);
  'beta2'?: (number | string);
  'epsilon'?: (number | string);
  '_momentum'?: "momentum";
  '_beta1'?: "beta1";
  '_beta2'?: "beta2";
  '_epsilon'?: "epsilon";
}

export interface OptimizerSpec__Output {
  'name': (string);
  'momentum'?: (number);
  'beta1'?: (number);
  'beta2'?: (number);
  'epsilon'?: (number);
  '_momentum'?: "momentum";
  '_beta1'?: "beta1";
  '_beta2'?: "beta2";
  '_epsilon'?: "epsilon";
}
