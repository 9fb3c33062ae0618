"""OpenCV JPEG oracle for JpegCodecTests. Run from this folder with a python that has cv2 (Debian: python3-opencv,
OpenCV 4.6 / libjpeg-turbo): python3 make_jpeg_fixtures.py <benchmarks folder>
For a 96x96 top-left crop of a colour and a grey benchmark image and q in (10, 40) (and 90 for colour): the cv2.imencode bytes (*_cv.jpg)
and cv2.imdecode of them (*_cvdec.png); and OpenCV's RGB->grey conversions of the colour crop (butterfly96_cv*.png)."""
import cv2, sys, os
bench = sys.argv[1]
srcs = {'butterfly96': (os.path.join(bench, 'Set5/HR/x4/butterfly_HR_x4.png'), cv2.IMREAD_COLOR),
        'img003grey96': (os.path.join(bench, 'Set14/x2/img_003_SRF_2_HR.png'), cv2.IMREAD_GRAYSCALE)}
for name, (path, flag) in srcs.items():
    img = cv2.imread(path, flag)[:96, :96]
    # q 90 for colour: where libvips' own default (4:4:4 chroma from q 90 on) stops matching OpenCV's 4:2:0
    for q in ((10, 40, 90) if flag == cv2.IMREAD_COLOR else (10, 40)):
        ok, enc = cv2.imencode('.jpg', img, [cv2.IMWRITE_JPEG_QUALITY, q])
        open(f'{name}_q{q}_cv.jpg', 'wb').write(enc.tobytes())
        cv2.imwrite(f'{name}_q{q}_cvdec.png', cv2.imdecode(enc, flag))
print(cv2.__version__)

# cv2.imread(IMREAD_GRAYSCALE) of a colour PNG (libpng png_set_rgb_to_gray(0.299, 0.587): (9797 R + 19234 G + 3737 B) >> 15)
grey = cv2.imread(os.path.join(bench, 'Set5/HR/x4/butterfly_HR_x4.png'), cv2.IMREAD_GRAYSCALE)[:96, :96]
cv2.imwrite('butterfly96_cvgrey.png', grey)
# cv2.cvtColor(BGR2GRAY) of the same crop (OpenCV 4.x: (9798 R + 19235 G + 3735 B + 16384) >> 15)
bgr = cv2.imread(os.path.join(bench, 'Set5/HR/x4/butterfly_HR_x4.png'), cv2.IMREAD_COLOR)[:96, :96]
cv2.imwrite('butterfly96_cvtcolor.png', cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY))
# cv2.imread(IMREAD_GRAYSCALE) of the same crop stored as a colour BMP (imgcodecs' icvCvt_BGR2Gray_8u_C3C1R:
# (4899 R + 9617 G + 1868 B + 8192) >> 14)
ok, bmp = cv2.imencode('.bmp', bgr)
cv2.imwrite('butterfly96_cvgrey_bmp.png', cv2.imdecode(bmp, cv2.IMREAD_GRAYSCALE))
