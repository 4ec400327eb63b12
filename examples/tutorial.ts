// The autograd tutorial, in TypeScript. Run: npm run tutorial
import { np, grad, primitive, defvjp, hessianVectorProduct, makeHvp } from 'gradd';

// 1. A function written with elementary ops, and its gradient.
const tanh = (x: any) => { const y = np.exp(np.multiply(-2.0, x)); return np.divide(np.subtract(1.0, y), np.add(1.0, y)); };
const gradTanh = grad(tanh);
console.log('grad(tanh)(1.0) =', gradTanh(1.0));
console.log('finite differences:', (tanh(1.0001).item() - tanh(0.9999).item()) / 0.0002);
let d: any = tanh;
const derivs: number[] = [];
for (let k = 0; k < 4; k++) { d = grad(d); derivs.push(d(0.5)); }
console.log('derivatives 1-4 of tanh at 0.5:', derivs.map((v) => v.toFixed(6)).join(', '));

// 2. Control flow: a Taylor series for sine, with a while loop that reads the value of the current term.
function taylorSine(x: any) {
  let ans = x, currterm = x, i = 0;
  while (Math.abs(np.asarray(currterm).item()) > 0.001) {
    currterm = np.divide(np.multiply(np.negative(currterm), np.power(x, 2)), (2 * i + 3) * (2 * i + 2));
    ans = np.add(ans, currterm);
    i += 1;
  }
  return ans;
}
console.log('Gradient of sin(pi) is', grad(taylorSine)(Math.PI));

// 3. Logistic regression, trained by gradient descent.
const sigmoid = (x: any) => np.multiply(0.5, np.add(np.tanh(x), 1));
const inputs = np.array([[0.52, 1.12, 0.77], [0.88, -1.08, 0.15], [0.52, 0.06, -1.3], [0.74, -2.49, 1.39]]);
const targets = np.array([true, true, false, true]);
const trainingLoss = (weights: any) => {
  const preds = sigmoid(np.dot(inputs, weights));
  const labelProbabilities = np.add(np.multiply(preds, targets), np.multiply(np.subtract(1, preds), np.subtract(1, targets)));
  return np.negative(np.sum(np.log(labelProbabilities)));
};
const trainingGradient = grad(trainingLoss);
let weights = np.array([0.0, 0.0, 0.0]);
console.log('Initial loss:', trainingLoss(weights).item());
for (let i = 0; i < 100; i++) weights = np.subtract(weights, np.multiply(trainingGradient(weights), 0.01));
console.log('Trained loss:', trainingLoss(weights).item());

// 4. A primitive with its own gradient: a numerically stable logsumexp.
const logsumexp = primitive((x: any) => {
  const maxX = np.max(x);
  return np.add(maxX, np.log(np.sum(np.exp(np.subtract(x, maxX)))));
});
defvjp(logsumexp, (ans: any, x: any) => (g: any) => np.multiply(np.full(x.shape, g), np.exp(np.subtract(x, np.full(x.shape, ans)))));
const exampleFunc = (y: any) => np.sum(logsumexp(np.power(y, 2)));
const y = np.array([1.5, 6.7, 1e-10]);
console.log('logsumexp example:', exampleFunc(y).item(), 'gradient:', grad(exampleFunc)(y).toArray());

// 5. Hessian-vector products without forming the Hessian.
const quartic = (x: any) => np.sum(np.multiply(np.power(x, 4), 0.25));
const x = np.array([1.0, 2.0, 3.0]), v = np.array([1.0, 0.0, -1.0]);
console.log('H·v =', hessianVectorProduct(quartic)(x, v).toArray(), '(3x²·v = [3, 0, -27])');
const [hvp, g] = makeHvp(quartic)(x);
console.log('makeHvp: gradient', g.toArray(), 'H·v', hvp(v).toArray());
