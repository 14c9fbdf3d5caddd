package io.runtimed.pool;

/** POOL.md §5 step 5 and §6 step 6: imports that compile and cache what a kernel start needs. */
final class WarmupScripts {
    static final String UV = String.join("\n",
            "import ipykernel",
            "import IPython",
            "import ipywidgets",
            "from ipykernel.kernelbase import Kernel",
            "from ipykernel.ipkernel import IPythonKernel",
            "print(\"warmup complete\")");

    static final String CONDA = String.join("\n",
            "import ipykernel",
            "import IPython",
            "import ipywidgets",
            "import traitlets",
            "import zmq",
            "from ipykernel.kernelbase import Kernel",
            "from ipykernel.ipkernel import IPythonKernel",
            "from ipykernel.comm import CommManager",
            "print(\"warmup complete\")");

    private WarmupScripts() {
    }
}
