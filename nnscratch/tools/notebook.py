"""The original "MNIST neural network from scratch" notebook code, kept as it was.

Used only as the baseline in ``python -m nnscratch bench``: the ``classic`` preset is timed
against it on the same data in the same run. Its bugs are kept on purpose (see the comments
marked BUG); nnscratch.network is the corrected engine. Layout is the notebook's: X is
(784, m), one column per sample, float64.
"""

import numpy as np


def init_params():
    W1 = np.random.rand(10, 784) - 0.5
    b1 = np.random.rand(10, 1) - 0.5
    W2 = np.random.rand(10, 10) - 0.5
    b2 = np.random.rand(10, 1) - 0.5
    return W1, b1, W2, b2


def ReLU(Z):
    return np.maximum(Z, 0)


def softmax(Z):
    A = np.exp(Z) / sum(np.exp(Z))  # BUG: overflows for large logits
    return A


def forward_prop(W1, b1, W2, b2, X):
    Z1 = W1.dot(X) + b1
    A1 = ReLU(Z1)
    Z2 = W2.dot(A1) + b2
    A2 = softmax(Z2)
    return Z1, A1, Z2, A2


def ReLU_deriv(Z):
    return Z > 0


def one_hot(Y):
    one_hot_Y = np.zeros((Y.size, Y.max() + 1))
    one_hot_Y[np.arange(Y.size), Y] = 1
    one_hot_Y = one_hot_Y.T
    return one_hot_Y


def backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y):
    one_hot_Y = one_hot(Y)
    dZ2 = A2 - one_hot_Y
    dW2 = 1 / m * dZ2.dot(A1.T)  # BUG: m is a global
    db2 = 1 / m * np.sum(dZ2)  # BUG: one scalar for all output units
    dZ1 = W2.T.dot(dZ2) * ReLU_deriv(Z1)
    dW1 = 1 / m * dZ1.dot(X.T)
    db1 = 1 / m * np.sum(dZ1)  # BUG: one scalar for all hidden units
    return dW1, db1, dW2, db2


def update_params(W1, b1, W2, b2, dW1, db1, dW2, db2, alpha):
    W1 = W1 - alpha * dW1
    b1 = b1 - alpha * db1
    W2 = W2 - alpha * dW2
    b2 = b2 - alpha * db2
    return W1, b1, W2, b2


def get_predictions(A2):
    return np.argmax(A2, 0)


def get_accuracy(predictions, Y):
    return np.sum(predictions == Y) / Y.size  # the notebook also prints predictions here


def gradient_descent(X, Y, alpha, iterations):
    W1, b1, W2, b2 = init_params()
    for i in range(iterations):
        Z1, A1, Z2, A2 = forward_prop(W1, b1, W2, b2, X)
        dW1, db1, dW2, db2 = backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y)
        W1, b1, W2, b2 = update_params(W1, b1, W2, b2, dW1, db1, dW2, db2, alpha)
        if i % 10 == 0:
            predictions = get_predictions(A2)
            get_accuracy(predictions, Y)
    return W1, b1, W2, b2


m = None  # set by run(), as the notebook's data cell did


def run(X, y, alpha=0.1, iterations=500, seed=0):
    """Train as the notebook did. X: (n, 784) in [0, 1] (transposed here), y: (n,) labels."""
    global m
    np.random.seed(seed)
    X_T = np.ascontiguousarray(np.asarray(X, dtype=np.float64).T)
    m = X_T.shape[1]
    return gradient_descent(X_T, np.asarray(y), alpha, iterations)


def predict(params, X):
    W1, b1, W2, b2 = params
    return get_predictions(forward_prop(W1, b1, W2, b2, np.asarray(X, dtype=np.float64).T)[3])
