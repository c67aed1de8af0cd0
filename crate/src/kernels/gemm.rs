//! Matrix products of a linear layer, BLIS style: operands are packed into contiguous panels (which
//! absorbs any transposition, so X·Wᵀ, dY·W and dYᵀ·X all run the same fast loop), and a
//! register-blocked MR×NR micro-kernel accumulates one tile over a block of K. A convolution's patch
//! matrix is never written out: packing gathers its panels straight from the (padded) input.
//!
//! The simd128 micro-kernel and its scalar twin do the same float operations in the same order
//! (per output element: products added in increasing k, multiply then add, no fused multiply-add),
//! so they agree bit for bit; the tests check that under wasm. The opt-in fast build (relaxed-simd) fuses the
//! multiply-add (`kernels::mul_add`) and agrees with them only to rounding.

/// Rows of A (and of C) per micro-tile.
const MR: usize = 4;
/// Columns of B (and of C) per micro-tile: two f32x4 vectors.
const NR: usize = 8;
/// Largest K block: an MR×KC panel of A plus a KC×NR panel of B stay in L1.
const KC_MAX: usize = 512;
/// Rows of A packed at once (the A block stays in L2).
const MC_MAX: usize = 256;
/// Columns of B packed at once.
const NC_MAX: usize = 1024;

/// A read-only strided matrix: element (i, j) is `data[i * row_stride + j * col_stride]`.
#[derive(Clone, Copy)]
struct Strided<'a> {
    data: &'a [f32],
    row_stride: usize,
    col_stride: usize,
}

impl<'a> Strided<'a> {
    fn row_major(data: &'a [f32], cols: usize) -> Strided<'a> {
        Strided { data, row_stride: cols, col_stride: 1 }
    }

    /// The transpose of a row-major matrix with `cols` columns.
    fn transposed(data: &'a [f32], cols: usize) -> Strided<'a> {
        Strided { data, row_stride: 1, col_stride: cols }
    }
}

/// A convolution's patch matrix, read where it lies: element (k, n) is `data[k_offsets[k] + n_offsets[n]]`, with
/// one offset per patch entry (channel, kernel row, kernel column) and one per output pixel into the zero-padded
/// input. Packing it costs what packing im2col's columns would, without writing the columns first (which took
/// a short copy per output row: a `memory.copy` call each in wasm).
#[derive(Clone, Copy)]
pub struct Patches<'a> {
    pub data: &'a [f32],
    pub patch_offsets: &'a [u32],
    pub pixel_offsets: &'a [u32],
}

/// The B operand of a product.
#[derive(Clone, Copy)]
enum Source<'a> {
    Strided(Strided<'a>),
    /// Element (k, n) is `data[k_offsets[k] + n_offsets[n]]`.
    Gathered {
        data: &'a [f32],
        k_offsets: &'a [u32],
        n_offsets: &'a [u32],
    },
}

impl<'a> From<Strided<'a>> for Source<'a> {
    fn from(strided: Strided<'a>) -> Source<'a> {
        Source::Strided(strided)
    }
}

impl<'a> Patches<'a> {
    /// [patch, pixels]: the forward's right operand.
    fn by_patch(self) -> Source<'a> {
        Source::Gathered { data: self.data, k_offsets: self.patch_offsets, n_offsets: self.pixel_offsets }
    }

    /// [pixels, patch]: the weight gradient's right operand.
    fn by_pixel(self) -> Source<'a> {
        Source::Gathered { data: self.data, k_offsets: self.pixel_offsets, n_offsets: self.patch_offsets }
    }
}

/// What happens to the tile sums before they land in C.
#[derive(Clone, Copy)]
struct Epilogue<'a> {
    /// Added to every row of C (indexed by column), once: a linear layer's bias.
    bias: Option<&'a [f32]>,
    /// Added to every column of C (indexed by row), once: a convolution's bias, one per output channel.
    row_bias: Option<&'a [f32]>,
    /// max(x, 0) after the last K block (NaN stays NaN, like torch.relu).
    relu: bool,
    /// C += A·B instead of C = A·B: a convolution's weight gradient summed over the batch's samples.
    accumulate: bool,
}

impl Epilogue<'_> {
    const PLAIN: Epilogue<'static> = Epilogue { bias: None, row_bias: None, relu: false, accumulate: false };
}

/// Packing buffers, allocated once for the largest product a model needs; the products allocate nothing.
pub struct Gemm {
    pack_a: Vec<f32>,
    pack_b: Vec<f32>,
}

fn round_up(x: usize, multiple: usize) -> usize {
    x.div_ceil(multiple) * multiple
}

/// K split into equal blocks of at most KC_MAX (784 → 2 × 392 rather than 512 + 272).
fn k_block(k: usize) -> usize {
    if k == 0 {
        return 0;
    }
    k.div_ceil(k.div_ceil(KC_MAX))
}

impl Gemm {
    /// Buffers for products with at most `max_m` rows, `max_n` columns and inner size `max_k`.
    pub fn new(max_m: usize, max_n: usize, max_k: usize) -> Gemm {
        let kc = k_block(max_k);
        let mc = round_up(max_m.min(MC_MAX), MR);
        let nc = round_up(max_n.min(NC_MAX), NR);
        Gemm { pack_a: vec![0.0; mc * kc], pack_b: vec![0.0; kc * nc] }
    }

    /// Buffers for every product in `products`, each given as (m, n, k). Sized per product, since the
    /// K block of a smaller K can be larger (512 → 512, but 513 → 2 × 257).
    pub fn for_products(products: &[(usize, usize, usize)]) -> Gemm {
        let pack_a = products.iter().map(|&(m, _, k)| round_up(m.min(MC_MAX), MR) * k_block(k)).max();
        let pack_b = products.iter().map(|&(_, n, k)| k_block(k) * round_up(n.min(NC_MAX), NR)).max();
        Gemm { pack_a: vec![0.0; pack_a.unwrap_or(0)], pack_b: vec![0.0; pack_b.unwrap_or(0)] }
    }

    /// Forward of a linear layer: `y[batch, out] = x[batch, in] · w[out, in]ᵀ + bias`, then ReLU if asked.
    pub fn linear_forward(&mut self, x: &[f32], w: &[f32], bias: &[f32], y: &mut [f32], dims: LinearDims, relu: bool) {
        let LinearDims { batch, fan_in, fan_out } = dims;
        assert!(x.len() >= batch * fan_in && w.len() == fan_out * fan_in && bias.len() == fan_out);
        let a = Strided::row_major(x, fan_in);
        let b = Strided::transposed(w, fan_in);
        self.product(batch, fan_out, fan_in, a, b, y, Epilogue { bias: Some(bias), relu, ..Epilogue::PLAIN });
    }

    /// Gradient with respect to the layer's input: `dx[batch, in] = dy[batch, out] · w[out, in]`.
    pub fn linear_backward_input(&mut self, dy: &[f32], w: &[f32], dx: &mut [f32], dims: LinearDims) {
        let LinearDims { batch, fan_in, fan_out } = dims;
        assert!(dy.len() >= batch * fan_out && w.len() == fan_out * fan_in);
        let a = Strided::row_major(dy, fan_out);
        let b = Strided::row_major(w, fan_in);
        self.product(batch, fan_in, fan_out, a, b, dx, Epilogue::PLAIN);
    }

    /// Gradient with respect to the weight: `dw[out, in] = dy[batch, out]ᵀ · x[batch, in]`.
    pub fn linear_backward_weight(&mut self, dy: &[f32], x: &[f32], dw: &mut [f32], dims: LinearDims) {
        let LinearDims { batch, fan_in, fan_out } = dims;
        assert!(dy.len() >= batch * fan_out && x.len() >= batch * fan_in && dw.len() == fan_out * fan_in);
        let a = Strided::transposed(dy, fan_out);
        let b = Strided::row_major(x, fan_in);
        self.product(fan_out, fan_in, batch, a, b, dw, Epilogue::PLAIN);
    }

    /// Forward of a linear layer without bias (torch's `bias=False`).
    pub fn linear_forward_no_bias(&mut self, x: &[f32], w: &[f32], y: &mut [f32], dims: LinearDims, relu: bool) {
        let LinearDims { batch, fan_in, fan_out } = dims;
        assert!(x.len() >= batch * fan_in && w.len() == fan_out * fan_in);
        let (a, b) = (Strided::row_major(x, fan_in), Strided::transposed(w, fan_in));
        self.product(batch, fan_out, fan_in, a, b, y, Epilogue { relu, ..Epilogue::PLAIN });
    }

    /// Forward of a convolution on one sample: `y[out_ch, pixels] = w[out_ch, patch] · patches[patch, pixels]`
    /// plus each channel's bias, then ReLU if asked.
    pub fn conv_forward(
        &mut self,
        w: &[f32],
        patches: Patches,
        bias: Option<&[f32]>,
        y: &mut [f32],
        dims: ConvDims,
        relu: bool,
    ) {
        let ConvDims { channels, patch, pixels } = dims;
        assert!(w.len() == channels * patch && patches.fit(dims) && bias.is_none_or(|b| b.len() == channels));
        let a = Strided::row_major(w, patch);
        let epilogue = Epilogue { row_bias: bias, relu, ..Epilogue::PLAIN };
        self.product(channels, pixels, patch, a, patches.by_patch(), y, epilogue);
    }

    /// Weight gradient of a convolution, one sample added in: `dw[out_ch, patch] += dy[out_ch, pixels] · patchesᵀ`.
    pub fn conv_backward_weight(&mut self, dy: &[f32], patches: Patches, dw: &mut [f32], dims: ConvDims) {
        let ConvDims { channels, patch, pixels } = dims;
        assert!(dy.len() >= channels * pixels && patches.fit(dims) && dw.len() == channels * patch);
        let a = Strided::row_major(dy, pixels);
        self.product(
            channels,
            patch,
            pixels,
            a,
            patches.by_pixel(),
            dw,
            Epilogue { accumulate: true, ..Epilogue::PLAIN },
        );
    }

    /// Gradient of one sample's columns: `d_columns[patch, pixels] = wᵀ · dy[out_ch, pixels]` (then col2im).
    pub fn conv_backward_columns(&mut self, w: &[f32], dy: &[f32], d_columns: &mut [f32], dims: ConvDims) {
        let ConvDims { channels, patch, pixels } = dims;
        assert!(w.len() == channels * patch && dy.len() >= channels * pixels);
        let (a, b) = (Strided::transposed(w, patch), Strided::row_major(dy, pixels));
        self.product(patch, pixels, channels, a, b, d_columns, Epilogue::PLAIN);
    }

    /// `c[m, n] (row-major) = a[m, k] · b[k, n]` with the epilogue applied.
    #[allow(clippy::too_many_arguments)]
    fn product<'b>(
        &mut self,
        m: usize,
        n: usize,
        k: usize,
        a: Strided,
        b: impl Into<Source<'b>>,
        c: &mut [f32],
        epilogue: Epilogue,
    ) {
        self.product_with(m, n, k, a, b.into(), c, epilogue, micro_kernel);
    }

    #[allow(clippy::too_many_arguments)]
    fn product_with(
        &mut self,
        m: usize,
        n: usize,
        k: usize,
        a: Strided,
        b: Source,
        c: &mut [f32],
        epilogue: Epilogue,
        kernel: fn(usize, &[f32], &[f32], &mut [f32; MR * NR]),
    ) {
        assert!(c.len() >= m * n);
        let kc_max = k_block(k);
        assert!(
            self.pack_a.len() >= round_up(m.min(MC_MAX), MR) * kc_max
                && self.pack_b.len() >= kc_max * round_up(n.min(NC_MAX), NR),
            "gemm: workspace sized for smaller products"
        );
        if k == 0 {
            // An empty sum: C is the bias (or zero), then ReLU.
            let tile = [0.0; MR * NR];
            for i in (0..m).step_by(MR) {
                for j in (0..n).step_by(NR) {
                    let at = TileAt { ldc: n, i, j, rows: (m - i).min(MR), cols: (n - j).min(NR) };
                    write_tile(&tile, c, at, epilogue, KBlock { first: true, last: true });
                }
            }
            return;
        }
        let mut tile = [0.0f32; MR * NR];
        for jc in (0..n).step_by(NC_MAX) {
            let nc = (n - jc).min(NC_MAX);
            let mut pc = 0;
            while pc < k {
                let kc = (k - pc).min(kc_max);
                let block = KBlock { first: pc == 0, last: pc + kc == k };
                match b {
                    Source::Strided(b) => pack_b(&mut self.pack_b, b, pc, kc, jc, nc),
                    Source::Gathered { data, k_offsets, n_offsets } => {
                        pack_b_gathered(&mut self.pack_b, data, &k_offsets[pc..pc + kc], &n_offsets[jc..jc + nc])
                    }
                }
                for ic in (0..m).step_by(MC_MAX) {
                    let mc = (m - ic).min(MC_MAX);
                    pack_a(&mut self.pack_a, a, ic, mc, pc, kc);
                    for jr in (0..nc).step_by(NR) {
                        let b_panel = &self.pack_b[jr * kc..(jr + NR) * kc];
                        for ir in (0..mc).step_by(MR) {
                            let a_panel = &self.pack_a[ir * kc..(ir + MR) * kc];
                            kernel(kc, a_panel, b_panel, &mut tile);
                            let (rows, cols) = ((mc - ir).min(MR), (nc - jr).min(NR));
                            let at = TileAt { ldc: n, i: ic + ir, j: jc + jr, rows, cols };
                            write_tile(&tile, c, at, epilogue, block);
                        }
                    }
                }
                pc += kc;
            }
        }
    }
}

/// Sizes of a linear layer's product.
#[derive(Clone, Copy, Debug)]
pub struct LinearDims {
    pub batch: usize,
    pub fan_in: usize,
    pub fan_out: usize,
}

impl LinearDims {
    /// (m, n, k) of the forward, input-gradient and weight-gradient products, for `Gemm::for_products`.
    pub fn products(fan_in: usize, fan_out: usize, batch: usize) -> [(usize, usize, usize); 3] {
        [(batch, fan_out, fan_in), (batch, fan_in, fan_out), (fan_out, fan_in, batch)]
    }
}

/// Sizes of a convolution's per-sample products: output channels, patch length (in_channels · kh · kw)
/// and output pixels (out_h · out_w).
#[derive(Clone, Copy, Debug)]
pub struct ConvDims {
    pub channels: usize,
    pub patch: usize,
    pub pixels: usize,
}

impl Patches<'_> {
    /// True when the offsets describe a [patch, pixels] matrix inside `data`.
    fn fit(&self, dims: ConvDims) -> bool {
        let last = |offsets: &[u32]| offsets.iter().max().map_or(0, |&o| o as usize);
        self.patch_offsets.len() == dims.patch
            && self.pixel_offsets.len() == dims.pixels
            && (dims.patch == 0
                || dims.pixels == 0
                || last(self.patch_offsets) + last(self.pixel_offsets) < self.data.len())
    }
}

impl ConvDims {
    /// (m, n, k) of the forward, weight-gradient and column-gradient products, for `Gemm::for_products`.
    pub fn products(&self) -> [(usize, usize, usize); 3] {
        let ConvDims { channels, patch, pixels } = *self;
        [(channels, pixels, patch), (channels, patch, pixels), (patch, pixels, channels)]
    }
}

/// Packs rows `i0..i0+mc`, columns `p0..p0+kc` of A as MR-row panels, k-major inside a panel
/// (`MR` consecutive values per k), zero-padding the last panel's missing rows.
fn pack_a(pack: &mut [f32], a: Strided, i0: usize, mc: usize, p0: usize, kc: usize) {
    for (panel, dst) in pack.chunks_exact_mut(MR * kc).take(mc.div_ceil(MR)).enumerate() {
        let rows = (mc - panel * MR).min(MR);
        let base = (i0 + panel * MR) * a.row_stride + p0 * a.col_stride;
        if a.row_stride == 1 && rows == MR {
            // Columns of A are contiguous and the panel is full: a fixed-size copy per k, which
            // compiles to vector moves (a variable-length copy becomes a memory.copy call in wasm).
            for (p, out) in dst.chunks_exact_mut(MR).enumerate() {
                let src = base + p * a.col_stride;
                out.copy_from_slice(&a.data[src..src + MR]);
            }
        } else if a.col_stride == 1 && rows == MR {
            // Rows of A are contiguous and the panel is full: interleave MR row slices, k by k, with
            // their bounds checked once here rather than per value.
            let row_slices: [&[f32]; MR] = std::array::from_fn(|r| &a.data[base + r * a.row_stride..][..kc]);
            interleave(&row_slices, dst);
        } else if a.row_stride == 1 {
            for (p, out) in dst.chunks_exact_mut(MR).enumerate() {
                let src = base + p * a.col_stride;
                out[..rows].copy_from_slice(&a.data[src..src + rows]);
                out[rows..].fill(0.0);
            }
        } else {
            for r in 0..MR {
                if r < rows {
                    let row = &a.data[base + r * a.row_stride..];
                    for p in 0..kc {
                        dst[p * MR + r] = row[p * a.col_stride];
                    }
                } else {
                    for p in 0..kc {
                        dst[p * MR + r] = 0.0;
                    }
                }
            }
        }
    }
}

/// Packs rows `p0..p0+kc`, columns `j0..j0+nc` of B as NR-column panels, k-major inside a panel,
/// zero-padding the last panel's missing columns.
fn pack_b(pack: &mut [f32], b: Strided, p0: usize, kc: usize, j0: usize, nc: usize) {
    for (panel, dst) in pack.chunks_exact_mut(NR * kc).take(nc.div_ceil(NR)).enumerate() {
        let cols = (nc - panel * NR).min(NR);
        let base = p0 * b.row_stride + (j0 + panel * NR) * b.col_stride;
        if b.col_stride == 1 && cols == NR {
            // Rows of B are contiguous and the panel is full: a fixed-size copy of NR values per k
            // (vector moves, not a memory.copy call).
            for (p, out) in dst.chunks_exact_mut(NR).enumerate() {
                let src = base + p * b.row_stride;
                out.copy_from_slice(&b.data[src..src + NR]);
            }
        } else if b.col_stride == 1 {
            for (p, out) in dst.chunks_exact_mut(NR).enumerate() {
                let src = base + p * b.row_stride;
                out[..cols].copy_from_slice(&b.data[src..src + cols]);
                out[cols..].fill(0.0);
            }
        } else if b.row_stride == 1 && cols == NR {
            // Columns of B are contiguous (B is a transposed weight) and the panel is full: interleave them.
            let (low, high): ([&[f32]; 4], [&[f32]; 4]) = (
                std::array::from_fn(|c| &b.data[base + c * b.col_stride..][..kc]),
                std::array::from_fn(|c| &b.data[base + (c + 4) * b.col_stride..][..kc]),
            );
            interleave_pairs(&low, &high, dst);
        } else {
            for c in 0..NR {
                if c < cols {
                    let col = &b.data[base + c * b.col_stride..];
                    for p in 0..kc {
                        dst[p * NR + c] = col[p * b.row_stride];
                    }
                } else {
                    for p in 0..kc {
                        dst[p * NR + c] = 0.0;
                    }
                }
            }
        }
    }
}

/// `dst[p * 4 + r] = rows[r][p]`: four equally long rows written k-major, as 4×4 transposes in the simd128 build.
fn interleave(rows: &[&[f32]; 4], dst: &mut [f32]) {
    let len = rows[0].len();
    assert!(rows.iter().all(|row| row.len() == len) && dst.len() >= 4 * len);
    let done = transpose_blocks(rows, dst, 4, 0);
    for p in done..len {
        for (r, row) in rows.iter().enumerate() {
            dst[p * 4 + r] = row[p];
        }
    }
}

/// `dst[p * 8 + c] = low[c][p]` and `dst[p * 8 + 4 + c] = high[c][p]`: eight columns written k-major.
fn interleave_pairs(low: &[&[f32]; 4], high: &[&[f32]; 4], dst: &mut [f32]) {
    let len = low[0].len();
    assert!(low.iter().chain(high).all(|column| column.len() == len) && dst.len() >= 8 * len);
    let done = transpose_blocks(low, dst, 8, 0);
    assert_eq!(transpose_blocks(high, dst, 8, 4), done);
    for p in done..len {
        for c in 0..4 {
            dst[p * 8 + c] = low[c][p];
            dst[p * 8 + 4 + c] = high[c][p];
        }
    }
}

/// Writes `dst[p * stride + lane + r] = rows[r][p]` for p below the largest multiple of 4 (returned), four p at a
/// time: four vector loads, a 4×4 transpose in shuffles, four vector stores.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn transpose_blocks(rows: &[&[f32]; 4], dst: &mut [f32], stride: usize, lane: usize) -> usize {
    use std::arch::wasm32::*;
    let blocks = rows[0].len() / 4;
    assert!(rows.iter().all(|row| row.len() >= blocks * 4) && lane + 4 <= stride);
    assert!(blocks == 0 || dst.len() >= (blocks * 4 - 1) * stride + lane + 4);
    // SAFETY: the asserts bound every read (rows[r][4b..4b + 4], b < blocks) and write (the last block's last
    // row ends at (4·blocks − 1)·stride + lane + 4).
    unsafe {
        for block in 0..blocks {
            let p = block * 4;
            let columns = transpose4(rows.map(|row| v128_load(row.as_ptr().add(p) as *const v128)));
            for (q, column) in columns.into_iter().enumerate() {
                v128_store(dst.as_mut_ptr().add((p + q) * stride + lane) as *mut v128, column);
            }
        }
    }
    blocks * 4
}

/// Without simd128 the callers' scalar loops do all of it.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn transpose_blocks(_rows: &[&[f32]; 4], _dst: &mut [f32], _stride: usize, _lane: usize) -> usize {
    0
}

/// Packs the B block whose rows and columns have the offsets `k_offsets` and `n_offsets` into `data` as NR-column
/// panels, like `pack_b`. A panel whose NR offsets are consecutive (output pixels along one row, stride 1) is a
/// fixed-size copy per k. In any other full panel, four consecutive k offsets (the weight gradient's pixels along a
/// row) are four values per column in one vector load, transposed into four k rows; the rest is gathered value by
/// value.
fn pack_b_gathered(pack: &mut [f32], data: &[f32], k_offsets: &[u32], n_offsets: &[u32]) {
    let kc = k_offsets.len();
    let consecutive = |offsets: &[u32]| offsets.iter().enumerate().all(|(i, &offset)| offset == offsets[0] + i as u32);
    for (dst, columns) in pack.chunks_exact_mut(NR * kc).zip(n_offsets.chunks(NR)) {
        let first = columns[0] as usize;
        if columns.len() == NR && consecutive(columns) {
            for (out, &row) in dst.chunks_exact_mut(NR).zip(k_offsets) {
                let src = row as usize + first;
                out.copy_from_slice(&data[src..src + NR]);
            }
            continue;
        }
        let mut p = 0;
        while p < kc {
            if columns.len() == NR && p + 4 <= kc && consecutive(&k_offsets[p..p + 4]) {
                let columns: &[u32; NR] = columns.try_into().expect("a full panel");
                if gather_four_rows(data, k_offsets[p] as usize, columns, &mut dst[p * NR..(p + 4) * NR]) {
                    p += 4;
                    continue;
                }
            }
            let (out, line) = (&mut dst[p * NR..(p + 1) * NR], &data[k_offsets[p] as usize..]);
            for (o, &offset) in out.iter_mut().zip(columns) {
                *o = line[offset as usize];
            }
            out[columns.len()..].fill(0.0);
            p += 1;
        }
    }
}

/// `out[q * NR + c] = data[row + q + columns[c]]` for q < 4: per column one vector load of four consecutive
/// values, then two 4×4 transposes. False (nothing written) without simd128, where the caller gathers.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
fn gather_four_rows(data: &[f32], row: usize, columns: &[u32; NR], out: &mut [f32]) -> bool {
    use std::arch::wasm32::*;
    assert!(out.len() == 4 * NR);
    let load = |c: usize| {
        let start = row + columns[c] as usize;
        let values: &[f32; 4] = data[start..start + 4].try_into().expect("four values");
        // SAFETY: `values` is four in-bounds f32.
        unsafe { v128_load(values.as_ptr() as *const v128) }
    };
    for half in 0..NR / 4 {
        let k_rows = transpose4([load(4 * half), load(4 * half + 1), load(4 * half + 2), load(4 * half + 3)]);
        for (q, k_row) in k_rows.into_iter().enumerate() {
            let lanes: &mut [f32; 4] = (&mut out[q * NR + 4 * half..][..4]).try_into().expect("four lanes");
            // SAFETY: `lanes` is four in-bounds f32.
            unsafe { v128_store(lanes.as_mut_ptr() as *mut v128, k_row) };
        }
    }
    true
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn gather_four_rows(_data: &[f32], _row: usize, _columns: &[u32; NR], _out: &mut [f32]) -> bool {
    false
}

/// The 4×4 transpose of four rows held in vectors: element q of result r is element r of row q.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
fn transpose4([r0, r1, r2, r3]: [std::arch::wasm32::v128; 4]) -> [std::arch::wasm32::v128; 4] {
    use std::arch::wasm32::*;
    let (t0, t1) = (i32x4_shuffle::<0, 4, 1, 5>(r0, r1), i32x4_shuffle::<2, 6, 3, 7>(r0, r1));
    let (t2, t3) = (i32x4_shuffle::<0, 4, 1, 5>(r2, r3), i32x4_shuffle::<2, 6, 3, 7>(r2, r3));
    [
        i32x4_shuffle::<0, 1, 4, 5>(t0, t2),
        i32x4_shuffle::<2, 3, 6, 7>(t0, t2),
        i32x4_shuffle::<0, 1, 4, 5>(t1, t3),
        i32x4_shuffle::<2, 3, 6, 7>(t1, t3),
    ]
}

/// Where a tile lands: C (row-major, `ldc` floats a row) at row `i`, column `j`; its `rows × cols` part is valid.
#[derive(Clone, Copy)]
struct TileAt {
    ldc: usize,
    i: usize,
    j: usize,
    rows: usize,
    cols: usize,
}

/// Which K block a tile holds the sums of: the first overwrites C (plus bias) unless accumulating, later ones add,
/// the last applies ReLU.
#[derive(Clone, Copy)]
struct KBlock {
    first: bool,
    last: bool,
}

/// Moves a tile's valid part into C.
#[inline(always)]
fn write_tile(tile: &[f32; MR * NR], c: &mut [f32], at: TileAt, epilogue: Epilogue, block: KBlock) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    if at.rows == MR && at.cols == NR {
        return write_full_tile(tile, c, at, epilogue, block);
    }
    write_tile_scalar(tile, c, at, epilogue, block);
}

/// Scalar twin of `write_full_tile`, and the path of partial tiles.
fn write_tile_scalar(tile: &[f32; MR * NR], c: &mut [f32], at: TileAt, epilogue: Epilogue, block: KBlock) {
    let TileAt { ldc, i, j, rows, cols } = at;
    let KBlock { first, last } = block;
    for r in 0..rows {
        let out = &mut c[(i + r) * ldc + j..(i + r) * ldc + j + cols];
        let sums = &tile[r * NR..r * NR + cols];
        match (first && !epilogue.accumulate, epilogue.bias, epilogue.row_bias) {
            (true, Some(bias), _) => {
                out.iter_mut().zip(sums).zip(&bias[j..j + cols]).for_each(|((o, &s), &b)| *o = s + b)
            }
            (true, None, Some(row_bias)) => out.iter_mut().zip(sums).for_each(|(o, &s)| *o = s + row_bias[i + r]),
            (true, None, None) => out.copy_from_slice(sums),
            (false, _, _) => out.iter_mut().zip(sums).for_each(|(o, &s)| *o += s),
        }
        if last && epilogue.relu {
            out.iter_mut().for_each(|o| *o = if *o < 0.0 { 0.0 } else { *o });
        }
    }
}

/// `write_tile` for a whole tile in vector operations: the same additions in the same order (sum + bias, C + sum), and
/// ReLU as a select that keeps NaN and −0, like the scalar `if o < 0 { 0 } else { o }`.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
fn write_full_tile(tile: &[f32; MR * NR], c: &mut [f32], at: TileAt, epilogue: Epilogue, block: KBlock) {
    use std::arch::wasm32::*;
    let TileAt { ldc, i, j, .. } = at;
    let KBlock { first, last } = block;
    assert!(c.len() >= (i + MR - 1) * ldc + j + NR);
    let bias = epilogue.bias.map(|bias| &bias[j..j + NR]);
    let row_bias = epilogue.row_bias.map(|row_bias| &row_bias[i..i + MR]);
    let overwrite = first && !epilogue.accumulate;
    // SAFETY: the assert bounds the last row's NR values, the slices above bound the bias reads, and
    // `tile` holds MR rows of NR.
    unsafe {
        for r in 0..MR {
            let out = c.as_mut_ptr().add((i + r) * ldc + j);
            for half in 0..NR / 4 {
                let (out, sums) =
                    (out.add(4 * half) as *mut v128, v128_load(tile.as_ptr().add(r * NR + 4 * half) as *const v128));
                let mut value = match (overwrite, bias, row_bias) {
                    (true, Some(bias), _) => f32x4_add(sums, v128_load(bias.as_ptr().add(4 * half) as *const v128)),
                    (true, None, Some(row_bias)) => f32x4_add(sums, f32x4_splat(row_bias[r])),
                    (true, None, None) => sums,
                    (false, _, _) => f32x4_add(v128_load(out), sums),
                };
                if last && epilogue.relu {
                    value = v128_andnot(value, f32x4_lt(value, f32x4_splat(0.0)));
                }
                v128_store(out, value);
            }
        }
    }
}

// In the wasm build only the tests call the scalar twin; on other targets it is the kernel.
#[cfg_attr(all(target_arch = "wasm32", target_feature = "simd128", not(test)), allow(dead_code))]
/// Scalar twin of the micro-kernel: `tile[r][c] = Σ_p a[p][r] · b[p][c]` over packed panels.
fn micro_kernel_scalar(kc: usize, a: &[f32], b: &[f32], tile: &mut [f32; MR * NR]) {
    let mut acc = [0.0f32; MR * NR];
    for (ap, bp) in a.chunks_exact(MR).zip(b.chunks_exact(NR)).take(kc) {
        for r in 0..MR {
            for c in 0..NR {
                acc[r * NR + c] += ap[r] * bp[c];
            }
        }
    }
    *tile = acc;
}

/// The simd128 micro-kernel: MR × 2 f32x4 accumulators live in registers across the whole K block;
/// per k, two vector loads of B, MR broadcast loads of A, 2·MR multiplies and adds (fused in the fast build).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn micro_kernel(kc: usize, a: &[f32], b: &[f32], tile: &mut [f32; MR * NR]) {
    use std::arch::wasm32::*;
    assert!(a.len() >= kc * MR && b.len() >= kc * NR);
    let mut acc = [[f32x4_splat(0.0); 2]; MR];
    // SAFETY: the asserts above bound every read: a[p*MR + r] with r < MR and b[p*NR .. p*NR + 8], p < kc.
    unsafe {
        let (pa, pb) = (a.as_ptr(), b.as_ptr());
        for p in 0..kc {
            let b0 = v128_load(pb.add(p * NR) as *const v128);
            let b1 = v128_load(pb.add(p * NR + 4) as *const v128);
            for (r, acc_r) in acc.iter_mut().enumerate() {
                let ar = v128_load32_splat(pa.add(p * MR + r) as *const u32);
                acc_r[0] = super::mul_add(ar, b0, acc_r[0]);
                acc_r[1] = super::mul_add(ar, b1, acc_r[1]);
            }
        }
        let out = tile.as_mut_ptr();
        for (r, acc_r) in acc.iter().enumerate() {
            v128_store(out.add(r * NR) as *mut v128, acc_r[0]);
            v128_store(out.add(r * NR + 4) as *mut v128, acc_r[1]);
        }
    }
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
use micro_kernel_scalar as micro_kernel;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;
    // Under wasm-bindgen-test-runner the same tests run in the simd128 build.
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn random(len: usize, rng: &mut Rng) -> Vec<f32> {
        (0..len).map(|_| rng.uniform(-1.0, 1.0)).collect()
    }

    /// f64 reference of the forward product with bias and optional ReLU.
    fn forward_reference(x: &[f32], w: &[f32], bias: &[f32], d: LinearDims, relu: bool) -> Vec<f64> {
        let mut y = vec![0.0f64; d.batch * d.fan_out];
        for i in 0..d.batch {
            for j in 0..d.fan_out {
                let mut s = f64::from(bias[j]);
                for p in 0..d.fan_in {
                    s += f64::from(x[i * d.fan_in + p]) * f64::from(w[j * d.fan_in + p]);
                }
                y[i * d.fan_out + j] = if relu { s.max(0.0) } else { s };
            }
        }
        y
    }

    fn assert_close(got: &[f32], want: &[f64], k: usize, what: &str) {
        assert_eq!(got.len(), want.len());
        let tol = 1e-5 * (k as f64).sqrt().max(1.0) * 4.0;
        for (idx, (&g, &w)) in got.iter().zip(want).enumerate() {
            assert!((f64::from(g) - w).abs() <= tol * (1.0 + w.abs()), "{what}[{idx}]: {g} vs {w}");
        }
    }

    // Shapes around the tile and block sizes (MR = 4, NR = 8, KC_MAX = 512, MC_MAX = 256) and the MLP's own.
    const SHAPES: [(usize, usize, usize); 9] = [
        (1, 1, 1),
        (3, 5, 7),
        (4, 8, 16),
        (5, 9, 17),
        (13, 11, 3),
        (257, 10, 100),
        (256, 100, 784),
        (6, 1025, 13),
        (37, 23, 1100),
    ];

    #[test]
    fn three_products_match_f64_reference_on_odd_shapes() {
        let mut rng = Rng::new(1);
        for &(batch, fan_out, fan_in) in &SHAPES {
            let d = LinearDims { batch, fan_in, fan_out };
            let (x, w, bias) =
                (random(batch * fan_in, &mut rng), random(fan_out * fan_in, &mut rng), random(fan_out, &mut rng));
            let dy = random(batch * fan_out, &mut rng);
            let mut gemm = Gemm::new(batch.max(fan_out), fan_out.max(fan_in), fan_in.max(batch).max(fan_out));
            for relu in [false, true] {
                let mut y = vec![f32::NAN; batch * fan_out];
                gemm.linear_forward(&x, &w, &bias, &mut y, d, relu);
                assert_close(&y, &forward_reference(&x, &w, &bias, d, relu), fan_in, "y");
            }
            let mut dx = vec![f32::NAN; batch * fan_in];
            gemm.linear_backward_input(&dy, &w, &mut dx, d);
            let dx_ref: Vec<f64> = (0..batch * fan_in)
                .map(|idx| {
                    (0..fan_out)
                        .map(|j| f64::from(dy[idx / fan_in * fan_out + j]) * f64::from(w[j * fan_in + idx % fan_in]))
                        .sum()
                })
                .collect();
            assert_close(&dx, &dx_ref, fan_out, "dx");
            let mut dw = vec![f32::NAN; fan_out * fan_in];
            gemm.linear_backward_weight(&dy, &x, &mut dw, d);
            let dw_ref: Vec<f64> = (0..fan_out * fan_in)
                .map(|idx| {
                    (0..batch)
                        .map(|i| f64::from(dy[i * fan_out + idx / fan_in]) * f64::from(x[i * fan_in + idx % fan_in]))
                        .sum()
                })
                .collect();
            assert_close(&dw, &dw_ref, batch, "dw");
        }
    }

    #[test]
    fn empty_inner_dimension_gives_bias_then_relu() {
        let mut gemm = Gemm::new(2, 3, 0);
        let mut y = vec![f32::NAN; 6];
        gemm.linear_forward(&[], &[], &[1.0, -2.0, 0.5], &mut y, LinearDims { batch: 2, fan_in: 0, fan_out: 3 }, true);
        assert_eq!(y, [1.0, 0.0, 0.5, 1.0, 0.0, 0.5]);
    }

    /// Patches gathered by offsets give the products of the same matrix written out (im2col), bit for bit: both
    /// packings feed the kernel the same panels. Offsets with runs of consecutive pixels and gaps, so that both the
    /// copied and the gathered panels (and a partial last panel) occur.
    #[test]
    fn gathered_patches_equal_their_written_out_matrix() {
        let mut rng = Rng::new(3);
        let data = random(2000, &mut rng);
        let patch_offsets: Vec<u32> = (0..37).map(|p| (p / 5 * 40 + p % 5 * 3) as u32).collect();
        let pixel_offsets: Vec<u32> = (0..29).map(|q| (q / 11 * 13 + q % 11) as u32).collect();
        let dims = ConvDims { channels: 6, patch: 37, pixels: 29 };
        let patches = Patches { data: &data, patch_offsets: &patch_offsets, pixel_offsets: &pixel_offsets };
        let columns: Vec<f32> = patch_offsets
            .iter()
            .flat_map(|&p| pixel_offsets.iter().map(move |&q| (p + q) as usize))
            .map(|i| data[i])
            .collect();
        let (w, dy) = (random(6 * 37, &mut rng), random(6 * 29, &mut rng));
        let mut gemm = Gemm::for_products(&dims.products());
        let (mut y_gathered, mut y_written) = (vec![0.0; 6 * 29], vec![0.0; 6 * 29]);
        gemm.conv_forward(&w, patches, None, &mut y_gathered, dims, false);
        gemm.product(
            6,
            29,
            37,
            Strided::row_major(&w, 37),
            Strided::row_major(&columns, 29),
            &mut y_written,
            Epilogue::PLAIN,
        );
        assert_eq!(y_gathered, y_written);
        let (mut dw_gathered, mut dw_written) = (vec![0.5; 6 * 37], vec![0.5; 6 * 37]);
        gemm.conv_backward_weight(&dy, patches, &mut dw_gathered, dims);
        let accumulate = Epilogue { accumulate: true, ..Epilogue::PLAIN };
        gemm.product(
            6,
            37,
            29,
            Strided::row_major(&dy, 29),
            Strided::transposed(&columns, 29),
            &mut dw_written,
            accumulate,
        );
        assert_eq!(dw_gathered, dw_written);
    }

    /// A whole tile's epilogue (vector operations under wasm) against its scalar twin, bit for bit, in every case the
    /// products use: bias by column or by row, overwrite or add, ReLU after the last block, on sums that hold NaN,
    /// −0 and negatives.
    #[test]
    fn full_tile_epilogue_equals_scalar_twin_bit_for_bit() {
        let mut rng = Rng::new(4);
        let mut tile: [f32; MR * NR] = std::array::from_fn(|_| rng.uniform(-1.0, 1.0));
        (tile[1], tile[2], tile[NR + 3]) = (f32::NAN, -0.0, f32::NEG_INFINITY);
        let (ldc, i, j) = (NR + 5, 1, 3);
        let start = random((MR + 1) * ldc, &mut rng);
        let (bias, row_bias) = (random(j + NR, &mut rng), random(i + MR, &mut rng));
        for (bias, row_bias, accumulate) in [
            (Some(&bias[..]), None, false),
            (None, Some(&row_bias[..]), false),
            (None, None, false),
            (None, None, true),
        ] {
            for (first, last, relu) in
                [(true, true, true), (true, false, true), (false, true, true), (true, true, false)]
            {
                let epilogue = Epilogue { bias, row_bias, relu, accumulate };
                let (mut vector, mut scalar) = (start.clone(), start.clone());
                let (at, block) = (TileAt { ldc, i, j, rows: MR, cols: NR }, KBlock { first, last });
                write_tile(&tile, &mut vector, at, epilogue, block);
                write_tile_scalar(&tile, &mut scalar, at, epilogue, block);
                assert!(
                    vector.iter().zip(&scalar).all(|(v, s)| v.to_bits() == s.to_bits()),
                    "bias {:?} row_bias {:?} accumulate {accumulate} first {first} last {last} relu {relu}",
                    bias.is_some(),
                    row_bias.is_some()
                );
            }
        }
    }

    /// The build's micro-kernel (simd128 under wasm) against the scalar twin, through the whole driver:
    /// same operations in the same order, so the results are identical bit for bit (not in the fast build,
    /// whose fused multiply-adds round once; the f64 reference test above bounds it).
    #[cfg(not(target_feature = "relaxed-simd"))]
    #[test]
    fn simd_kernel_equals_scalar_twin_bit_for_bit() {
        let mut rng = Rng::new(2);
        for &(m, n, k) in &SHAPES {
            let (a, b) = (random(m * k, &mut rng), random(k * n, &mut rng));
            let bias = random(n, &mut rng);
            let mut gemm = Gemm::new(m, n, k);
            let (mut fast, mut twin) = (vec![0.0; m * n], vec![0.0; m * n]);
            for (a_view, b_view) in [
                (Strided::row_major(&a, k), Strided::row_major(&b, n)),
                (Strided::transposed(&a, m), Strided::transposed(&b, k)),
            ] {
                let epilogue = Epilogue { bias: Some(&bias), relu: true, ..Epilogue::PLAIN };
                gemm.product_with(m, n, k, a_view, b_view.into(), &mut fast, epilogue, micro_kernel);
                gemm.product_with(m, n, k, a_view, b_view.into(), &mut twin, epilogue, micro_kernel_scalar);
                assert!(fast.iter().zip(&twin).all(|(x, y)| x.to_bits() == y.to_bits()), "m={m} n={n} k={k}");
            }
        }
    }
}
